/**
 * What to do with a request the destination refused whole (too large, bad data): send each
 * half on its own, one after the other so order is kept, and a half that is refused again
 * comes back here and splits again, until the refused record stands alone and is
 * dead-lettered. One bad record never holds back the rest.
 */
export interface Halving<T> {
  /** Sends a half; calls `halveRefused` again itself if that half is refused whole. */
  readonly deliver: (half: readonly T[]) => Promise<void>;
  /** The refused record, alone: it goes to the dead-letter file. */
  readonly alone: (item: T) => void;
  /** Told before each split (stats, logs, resetting a producer session). */
  readonly onSplit?: (size: number) => void;
}

export async function halveRefused<T>(items: readonly T[], halving: Halving<T>): Promise<void> {
  if (items.length === 0) return;
  if (items.length === 1) {
    halving.alone(items[0]);
    return;
  }
  halving.onSplit?.(items.length);
  const mid = Math.ceil(items.length / 2);
  await halving.deliver(items.slice(0, mid));
  await halving.deliver(items.slice(mid));
}
