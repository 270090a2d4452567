import { mkdirSync } from 'node:fs';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { CHECKPOINT_FORMAT, CHECKPOINT_VERSION, type CheckpointState } from './state';
import { errorMessage } from '../util/errors';

/** The checkpoint cannot be used as it is: the operator must look before anything runs. */
export class CheckpointError extends Error {
  override readonly name = 'CheckpointError';
}

export interface CheckpointStore {
  load(): Promise<CheckpointState | null>;
  save(state: CheckpointState): Promise<void>;
  reset(): Promise<boolean>;
  readonly location: string;
}

/**
 * A checkpoint file, replaced atomically: write a temp file, fsync it, rename it over the
 * old one, fsync the directory. A crash at any moment leaves either the old or the new
 * checkpoint, never a torn one. A file that does not parse, or belongs to another source, is
 * refused with a message — never silently reset, which would re-send or skip a whole history.
 */
export class FileCheckpointStore implements CheckpointStore {
  constructor(
    private readonly path: string,
    private readonly expectedBaseUrl: string,
  ) {}

  get location(): string {
    return this.path;
  }

  async load(): Promise<CheckpointState | null> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new CheckpointError(`cannot read checkpoint ${this.path}: ${errorMessage(err)}`);
    }
    const fix = `Inspect it; to deliberately start over run "claude-audit-forwarder checkpoint reset -c <config>" (this re-reads from source.start_at), or point checkpoint.path elsewhere.`;
    let state: CheckpointState;
    try {
      state = JSON.parse(text) as CheckpointState;
    } catch (err) {
      throw new CheckpointError(`checkpoint ${this.path} is corrupt or truncated (${errorMessage(err)}); refusing to start rather than skip or re-send activities. ${fix}`);
    }
    if (!state || typeof state !== 'object' || state.format !== CHECKPOINT_FORMAT) {
      throw new CheckpointError(`${this.path} is not a claude-audit-forwarder checkpoint; refusing to overwrite it. ${fix}`);
    }
    if (state.version !== CHECKPOINT_VERSION) {
      throw new CheckpointError(`checkpoint ${this.path} has version ${String(state.version)}, this forwarder reads version ${CHECKPOINT_VERSION}. ${fix}`);
    }
    if (!Array.isArray(state.seen) || !Array.isArray(state.history) || typeof state.start !== 'string' || (state.watermark !== null && typeof state.watermark !== 'string')) {
      throw new CheckpointError(`checkpoint ${this.path} is incomplete (missing fields); refusing to guess a position. ${fix}`);
    }
    if (state.source?.base_url !== this.expectedBaseUrl) {
      throw new CheckpointError(
        `checkpoint ${this.path} belongs to another source (${String(state.source?.base_url)}, configured: ${this.expectedBaseUrl}); its position means nothing here. ${fix}`,
      );
    }
    return state;
  }

  async save(state: CheckpointState): Promise<void> {
    const dir = dirname(this.path);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const tmp = join(dir, `.${basename(this.path)}.${process.pid}.tmp`);
    const handle = await open(tmp, 'w', 0o600);
    try {
      await handle.writeFile(JSON.stringify(state));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, this.path);
    const dirHandle = await open(dir, 'r');
    try {
      await dirHandle.sync();
    } finally {
      await dirHandle.close();
    }
  }

  /**
   * Proves the checkpoint can be written — a temp file beside it, synced and removed —
   * without changing it. A forwarder that cannot record progress would deliver everything
   * again on every restart: better to refuse at start-up, saying where and why.
   */
  async checkWritable(): Promise<void> {
    const dir = dirname(this.path);
    const probe = join(dir, `.${basename(this.path)}.${process.pid}.probe`);
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const handle = await open(probe, 'w', 0o600);
      try {
        await handle.writeFile('{}');
        await handle.sync();
      } finally {
        await handle.close();
      }
      await unlink(probe);
    } catch (err) {
      throw new CheckpointError(
        `cannot write the checkpoint ${this.path} (${errorMessage(err)}); without it every restart would deliver the same activities again. Make ${dir} writable (in a container: mount a volume there) or point checkpoint.path at a writable directory.`,
      );
    }
  }

  async reset(): Promise<boolean> {
    try {
      await unlink(this.path);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  }
}
