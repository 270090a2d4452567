import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Small tmpfs mounts for disk-full and read-only scenarios: real ENOSPC and EROFS from the
 * kernel, not simulated errors. Needs root (CAP_SYS_ADMIN); without it the scenario says so
 * in the table instead of pretending. Every mount is undone when the process exits.
 */
export interface Tmpfs {
  readonly dir: string;
  /** Remounts with new options, e.g. "ro", "rw", "size=64m". */
  remount(options: string): void;
  /** Writes a filler file until the filesystem is full; returns its path. */
  fill(): string;
  unmount(): void;
}

const mounted = new Set<string>();
process.on('exit', () => {
  for (const dir of mounted) {
    try {
      execFileSync('umount', ['-l', dir], { stdio: 'ignore' });
    } catch {
      /* best effort */
    }
  }
});

export function mountTmpfs(dir: string, size: string): Tmpfs | string {
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  } catch (err) {
    const why =
      err instanceof Error && 'stderr' in err
        ? String((err as { stderr: unknown }).stderr).trim()
        : String(err);
    return `cannot mount a tmpfs (needs root with CAP_SYS_ADMIN): ${why || 'mount failed'}`;
  }
  mounted.add(dir);
  return {
    dir,
    remount(options) {
      execFileSync('mount', ['-o', `remount,${options}`, dir], { stdio: ['ignore', 'ignore', 'pipe'] });
    },
    fill() {
      const path = join(dir, `.filler-${process.pid}`);
      const fd = openSync(path, 'a');
      const chunk = Buffer.alloc(16 * 1024, 0x41);
      try {
        for (;;) writeSync(fd, chunk);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
      } finally {
        closeSync(fd);
      }
      // Whatever a 16 KiB chunk could not take: fill it byte by byte up to the last block.
      const fd2 = openSync(path, 'a');
      try {
        for (;;) writeSync(fd2, chunk.subarray(0, 512));
      } catch {
        /* full */
      } finally {
        closeSync(fd2);
      }
      return path;
    },
    unmount() {
      if (!mounted.has(dir)) return;
      execFileSync('umount', [dir], { stdio: 'ignore' });
      mounted.delete(dir);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
