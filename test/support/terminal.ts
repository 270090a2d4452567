import { spawn } from 'node:child_process';
import { REPO_ROOT } from './forwarder';

/** Runs `command` inside a pseudo-terminal (script(1)); async, so a simulator in the test keeps answering. */
export function inTerminal(command: string): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('script', ['-qefc', command, '/dev/null'], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, output });
    });
  });
}
