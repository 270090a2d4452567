import { IncompleteRunError } from './findings';
import { FindingError } from './history';
import { readEntry } from './leaf';
import type { LogReader } from './log-reader';
import { leafHash, subtreeRoot, type Hash } from './merkle';
import type { Checkpoint } from './note';
import { TILE_WIDTH, parseBundle } from './tiles';

/**
 * Every entry the log committed, read from its entry bundles (spec §4.4) and checked against
 * the verified root: the complete committed set, to compare with what the feed served. Held
 * in memory for the process (full bundles never change); a restart reads them again.
 */
export interface CommittedEntry {
  readonly id: string | null;
  readonly createdAt: string | null;
  readonly hash: Hash;
}

export class CommittedEntries {
  private entries: CommittedEntry[] = [];

  get size(): number {
    return this.entries.length;
  }

  at(index: number): CommittedEntry | undefined {
    return this.entries[index];
  }

  /** Reads the bundles up to `checkpoint.size` and checks they hash to its root. */
  async readUpTo(reader: LogReader, checkpoint: Checkpoint): Promise<void> {
    const { size } = checkpoint;
    // The last bundle read may have been partial: start again from its beginning.
    let next = Math.floor(this.entries.length / TILE_WIDTH) * TILE_WIDTH;
    const read: CommittedEntry[] = this.entries.slice(0, next);
    while (next < size) {
      const index = next / TILE_WIDTH;
      const width = Math.min(TILE_WIDTH, size - next);
      const bundle = parseBundle(await this.bundle(reader, index, width));
      if (!bundle || bundle.length < width)
        throw new IncompleteRunError(`entry bundle ${index} is malformed or short`);
      for (const entry of bundle.slice(0, width)) {
        const fields = readEntry(entry);
        read.push({ id: fields?.id ?? null, createdAt: fields?.createdAt ?? null, hash: leafHash(entry) });
      }
      next += width;
    }
    const root = subtreeRoot(
      read.map((e) => e.hash),
      0,
      size,
    );
    if (!root.equals(checkpoint.root))
      throw new FindingError({
        reason: 'log_inconsistent',
        message: `the entry bundles do not hash to the root of the verified checkpoint of size ${size}`,
        evidence: { note: checkpoint.note, bundles_root: root.toString('base64') },
      });
    this.entries = read.slice(0, size);
  }

  /** A partial bundle may be gone once its tile filled (§3.9.3): the full one then holds it. */
  private async bundle(reader: LogReader, index: number, width: number): Promise<Buffer> {
    try {
      return await reader.bundle(index, width);
    } catch (err) {
      if (width === TILE_WIDTH || statusOf(err) !== 404) throw err;
      return reader.bundle(index, TILE_WIDTH);
    }
  }
}

/** The HTTP status an error of the transport carries, if any. */
export function statusOf(err: unknown): number | undefined {
  if (err && typeof err === 'object' && 'status' in err && typeof err.status === 'number') return err.status;
  return undefined;
}
