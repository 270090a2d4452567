import { IncompleteRunError, type Finding } from './findings';
import type { LogReader } from './log-reader';
import { verifyConsistency } from './merkle';
import { CheckpointError, verifyCheckpoint, type Checkpoint } from './note';
import type { TrustedKey } from './keys';

/**
 * The checkpoints one run has linked to the verified history (spec §4.3): the latest, and
 * every (size, root) seen, so a second root for a known size is a fork. A checkpoint from a
 * proof answer is trusted only once linked here.
 */
export class FindingError extends Error {
  constructor(readonly finding: Finding) {
    super(finding.message);
  }
}

const MAX_ROUNDS = 3;

export class LinkedHistory {
  private readonly roots = new Map<number, Checkpoint>();
  private head: Checkpoint;

  constructor(
    latest: Checkpoint,
    private readonly reader: LogReader,
    private readonly origin: string,
    private readonly keys: readonly TrustedKey[],
    private readonly now: Date,
    /** Told each time the latest checkpoint moves: it is saved at once (§4.2 step 5). */
    private readonly adopt: (latest: Checkpoint) => Promise<void>,
    /** Checkpoints verified before (the saved one): a second root for their size is a fork. */
    known: readonly Checkpoint[] = [],
  ) {
    this.head = latest;
    for (const c of [...known, latest]) this.roots.set(c.size, c);
  }

  get latest(): Checkpoint {
    return this.head;
  }

  private verify(note: string): Checkpoint {
    return verifiedNote(note, this.origin, this.keys, this.now);
  }

  /** Links the checkpoint of a proof answer to the history, or throws the finding. */
  async link(note: string): Promise<Checkpoint> {
    const c = this.verify(note);
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const known = this.roots.get(c.size);
      if (known) {
        if (!known.root.equals(c.root)) throw fork(known, c);
        return c;
      }
      if (c.size > this.head.size) {
        await this.advance(c.size);
        continue;
      }
      const proof = await this.reader.consistency(c.size);
      const head = this.verify(proof.checkpoint);
      if (head.size > this.head.size) {
        await this.advance(head.size);
        continue;
      }
      this.checkKnown(head);
      if (!verifyConsistency(c.size, c.root, this.head.size, this.head.root, proof.hashes))
        throw inconsistent(c, this.head, proof.hashes);
      this.roots.set(c.size, c);
      return c;
    }
    throw new IncompleteRunError(
      'the log advanced repeatedly while a proof was linked; the next run tries again',
    );
  }

  /** Moves the latest checkpoint to one of at least `size`, proven to extend it. */
  private async advance(size: number): Promise<void> {
    const proof = await this.reader.consistency(this.head.size);
    const next = this.verify(proof.checkpoint);
    if (next.size < size)
      throw new IncompleteRunError('the log answered from a lagging copy; the next run tries again');
    this.checkKnown(next);
    if (!verifyConsistency(this.head.size, this.head.root, next.size, next.root, proof.hashes))
      throw inconsistent(this.head, next, proof.hashes);
    this.head = next;
    this.roots.set(next.size, next);
    await this.adopt(next);
  }

  private checkKnown(c: Checkpoint): void {
    const known = this.roots.get(c.size);
    if (known && !known.root.equals(c.root)) throw fork(known, c);
  }
}

/** Verifies a served note's origin and signature (§3.6), or throws the finding. */
export function verifiedNote(
  note: string,
  origin: string,
  keys: readonly TrustedKey[],
  now: Date,
): Checkpoint {
  try {
    return verifyCheckpoint(note, origin, keys, now);
  } catch (err) {
    if (err instanceof CheckpointError)
      throw new FindingError({ reason: err.reason, message: err.message, evidence: { note } });
    throw err;
  }
}

export function fork(a: Checkpoint, b: Checkpoint): FindingError {
  return new FindingError({
    reason: 'log_fork',
    message: `two signed checkpoints of size ${a.size} have different roots: the log serves a forked history`,
    evidence: { verified_note: a.note, new_note: b.note },
  });
}

export function inconsistent(from: Checkpoint, to: Checkpoint, hashes: readonly Buffer[]): FindingError {
  return new FindingError({
    reason: 'log_inconsistent',
    message: `the consistency proof from size ${from.size} to ${to.size} does not verify: the log rewrote history it had committed`,
    evidence: { verified_note: from.note, new_note: to.note, proof: hashes.map((h) => h.toString('base64')) },
  });
}
