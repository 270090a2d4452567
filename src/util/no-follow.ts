import { constants, lstatSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';

/**
 * Files in the data directory are opened without following a symbolic link in the last
 * component, so whoever can write that directory cannot point our writes (or the checkpoint
 * we trust) at a file elsewhere. O_NOFOLLOW is 0 where the OS lacks it (Windows).
 */
const NOFOLLOW = constants.O_NOFOLLOW ?? 0;

const FLAGS = {
  /** Read an existing file. */
  read: constants.O_RDONLY | NOFOLLOW,
  /** Append, creating the file if needed. */
  append: constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | NOFOLLOW,
  /** Read and write an existing file. */
  update: constants.O_RDWR | NOFOLLOW,
  /** A new file only: fails if anything, a dangling link included, has the name. */
  exclusive: constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NOFOLLOW,
} as const;

/** Says what the operator should do about a symbolic link where a data file belongs. */
export class SymlinkRefusedError extends Error {
  override readonly name = 'SymlinkRefusedError';
  constructor(
    readonly path: string,
    what: string,
  ) {
    super(
      `${what} ${path} is a symbolic link; refusing to follow it (it could point the forwarder's writes at any file). Replace the link with a regular file, or point the config at the real path`,
    );
  }
}

export async function openNoFollow(
  path: string,
  how: keyof typeof FLAGS,
  what: string,
  mode = 0o600,
): Promise<FileHandle> {
  try {
    return await open(path, FLAGS[how], mode);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP') throw new SymlinkRefusedError(path, what);
    throw err;
  }
}

/** A temp file beside `path` with a name nobody can guess in advance, created exclusively. */
export async function createTempBeside(
  path: string,
  suffix: string,
  what: string,
): Promise<{ path: string; handle: FileHandle }> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(12).toString('hex')}.${suffix}`);
  return { path: tmp, handle: await openNoFollow(tmp, 'exclusive', what) };
}

/** Whether `path` itself (not what it points to) is a symbolic link; false when it does not exist. */
export function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}
