import { mkdirSync } from 'node:fs';
import { open, rename, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  CHECKPOINT_FORMAT,
  CHECKPOINT_VERSION,
  MIGRATES_FROM,
  type CheckpointState,
  type SinkLaneState,
} from './state';
import { errorMessage } from '../util/errors';
import { createTempBeside, openNoFollow, SymlinkRefusedError } from '../util/no-follow';

/** A checkpoint written before credentials in URLs were refused may still hold some: never print them. */
function withoutUserinfo(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1');
}

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
      const handle = await openNoFollow(this.path, 'read', 'the checkpoint (checkpoint.path)');
      try {
        text = await handle.readFile('utf8');
      } finally {
        await handle.close();
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      if (err instanceof SymlinkRefusedError) throw new CheckpointError(err.message);
      throw new CheckpointError(`cannot read checkpoint ${this.path}: ${errorMessage(err)}`);
    }
    const fix = `Inspect it; to deliberately start over run "claude-audit-forwarder checkpoint reset -c <config>" (this re-reads from source.start_at), or point checkpoint.path elsewhere.`;
    let state: CheckpointState;
    try {
      state = JSON.parse(text) as CheckpointState;
    } catch (err) {
      throw new CheckpointError(
        `checkpoint ${this.path} is corrupt or truncated (${errorMessage(err)}); refusing to start rather than skip or re-send activities. ${fix}`,
      );
    }
    if (!state || typeof state !== 'object' || state.format !== CHECKPOINT_FORMAT) {
      throw new CheckpointError(
        `${this.path} is not a claude-audit-forwarder checkpoint; refusing to overwrite it. ${fix}`,
      );
    }
    if (typeof state.version === 'number' && state.version > CHECKPOINT_VERSION) {
      throw new CheckpointError(
        `checkpoint ${this.path} has version ${state.version}: it was written by a newer claude-audit-forwarder, which this one (checkpoint version ${CHECKPOINT_VERSION}) cannot read without losing track of what was delivered. Run the newer version again, or restore the backup the newer version kept beside it (${this.path}.v${CHECKPOINT_VERSION}.bak) if you are rolling back on purpose (docs/upgrading.md). ${fix}`,
      );
    }
    if (state.version !== CHECKPOINT_VERSION && !MIGRATES_FROM.includes(state.version)) {
      throw new CheckpointError(
        `checkpoint ${this.path} has version ${String(state.version)}, which this forwarder neither reads (version ${CHECKPOINT_VERSION}) nor migrates (from ${MIGRATES_FROM.join(', ')}). ${fix}`,
      );
    }
    if (
      !Array.isArray(state.seen) ||
      !Array.isArray(state.history) ||
      typeof state.start !== 'string' ||
      (state.watermark !== null && typeof state.watermark !== 'string') ||
      !sinkLanesAreWellFormed(state.sinks)
    ) {
      throw new CheckpointError(
        `checkpoint ${this.path} is incomplete (missing fields); refusing to guess a position. ${fix}`,
      );
    }
    if (state.source?.base_url !== this.expectedBaseUrl) {
      throw new CheckpointError(
        `checkpoint ${this.path} belongs to another source (${withoutUserinfo(String(state.source?.base_url))}, configured: ${this.expectedBaseUrl}); its position means nothing here. ${fix}`,
      );
    }
    if (state.version !== CHECKPOINT_VERSION) return this.migrate(state, text);
    return state;
  }

  /**
   * An older checkpoint, read as the current version. Its original text is kept beside it
   * (`<path>.v<N>.bak`, never overwritten) before the first save replaces it, so a rollback to
   * the version that wrote it can restore it. Reading alone (`checkpoint show`) writes nothing.
   */
  private migrate(state: CheckpointState, original: string): CheckpointState {
    this.migratedFrom = { version: state.version, backup: `${this.path}.v${state.version}.bak` };
    this.originalText = original;
    // Version 1 is version 2 without per-sink positions: every sink was in step.
    return { ...state, version: CHECKPOINT_VERSION };
  }

  /** Set when load() migrated an older checkpoint: from which version, and where the original goes. */
  migratedFrom?: { readonly version: number; readonly backup: string };
  private originalText?: string;

  private async keepOriginal(): Promise<void> {
    if (this.originalText === undefined || !this.migratedFrom) return;
    try {
      // wx: fails on anything already there, a planted link included.
      await writeFile(this.migratedFrom.backup, this.originalText, { flag: 'wx', mode: 0o600 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST')
        throw new CheckpointError(
          `cannot keep a copy of checkpoint ${this.path} (version ${this.migratedFrom.version}) before replacing it with version ${CHECKPOINT_VERSION}: ${errorMessage(err)}`,
        );
    }
    this.originalText = undefined;
  }

  async save(state: CheckpointState): Promise<void> {
    await this.keepOriginal();
    const dir = dirname(this.path);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // An unpredictable name, created exclusively: a link planted in the directory cannot
    // catch the write. rename() then replaces the checkpoint's name, never a link's target.
    const tmp = await createTempBeside(this.path, 'tmp', 'the checkpoint temp file');
    try {
      try {
        await tmp.handle.writeFile(JSON.stringify(state));
        await tmp.handle.sync();
      } finally {
        await tmp.handle.close();
      }
      await rename(tmp.path, this.path);
    } catch (err) {
      await unlink(tmp.path).catch(() => undefined);
      throw err;
    }
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
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const probe = await createTempBeside(this.path, 'probe', 'the checkpoint probe file');
      try {
        await probe.handle.writeFile('{}');
        await probe.handle.sync();
      } finally {
        await probe.handle.close();
        await unlink(probe.path);
      }
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

/** A detached sink's position must be whole: a half-read one would skip or re-send its activities. */
function sinkLanesAreWellFormed(sinks: unknown): boolean {
  if (sinks === undefined) return true;
  if (!sinks || typeof sinks !== 'object' || Array.isArray(sinks)) return false;
  return Object.values(sinks as Record<string, unknown>).every((lane) => {
    if (!lane || typeof lane !== 'object') return false;
    const l = lane as Partial<Record<keyof SinkLaneState, unknown>>;
    return (
      (l.state === 'detached' || l.state === 'catching_up') &&
      Array.isArray(l.seen) &&
      (l.watermark === null || typeof l.watermark === 'string') &&
      typeof l.since === 'string'
    );
  });
}
