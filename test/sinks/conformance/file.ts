import { execFileSync } from 'node:child_process';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readJsonl } from '../../support/forwarder';
import { FAST_RETRY, type Harness } from './harness';

/**
 * A file in a temp dir. A transient failure is a real one: the process's file-size limit
 * (RLIMIT_FSIZE, set with prlimit(1)) at the file's current size, so the next append fails
 * with EFBIG, as a full disk fails it; raising the limit recovers.
 */
function setFileSizeLimit(limit: string): void {
  execFileSync('prlimit', ['--pid', String(process.pid), `--fsize=${limit}:unlimited`]);
}

export const fileHarness: Harness = {
  type: 'file',
  async setUp(dir) {
    const path = join(dir, 'events.jsonl');
    const notADirectory = join(dir, 'not-a-directory');
    writeFileSync(notADirectory, '');
    return {
      config: {
        type: 'file',
        path,
        format: 'raw',
        retry: FAST_RETRY,
        batch: { max_events: 20, timeout: '20ms' },
      },
      async received() {
        return readJsonl<{ id: string }>(path).map((a) => a.id);
      },
      async breakTransiently() {
        setFileSizeLimit(String(statSync(path).size));
      },
      async recover() {
        setFileSizeLimit('unlimited');
      },
      refusal: { never: 'a file takes every line: there is nothing it refuses' },
      brokenConfig: { type: 'file', path: join(notADirectory, 'events.jsonl') },
      async dispose() {
        setFileSizeLimit('unlimited');
      },
    };
  },
};
