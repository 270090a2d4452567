import { randomUUID } from 'node:crypto';
import type { Logger } from '../../observability/logger';
import { AbortedError, errorMessage } from '../../util/errors';
import type { AckOutcome } from './protocol';
import { HecRefusedError } from './protocol';

/**
 * Indexer acknowledgements: a batch Splunk answered 200 with an `ackId` is pending until
 * /services/collector/ack says `true` for it (replicated), and only then delivered.
 *
 * One poller per sink queries every pending id each poll_interval. A batch with no `true`
 * after the ack timeout is handed back for a resend (possible duplicate, never a loss).
 *
 * The subtle part is a Splunk restart: ack ids are per channel and restart from 0 when
 * Splunk forgets the channel, so an old, lost id N can be issued again to a *different*
 * batch, and a `true` for that one must not release the old batch. Two rules make that
 * impossible:
 *  - an id issued twice on one channel (or a channel Splunk says it does not know) means
 *    the channel was reset: every batch pending on it is resent and a new channel is used;
 *  - a poll reply is applied only once every event POST that overlapped it has been seen
 *    through (so a re-issued id would already have been detected), and is discarded if any
 *    of them ended without a reply (its id, unknown to us, could be one we are polling).
 */

export type AckResult =
  /** Splunk confirmed the batch is replicated. */
  | 'acked'
  /** No `true` within the ack timeout. */
  | 'expired'
  /** Splunk lost the channel's ack state; the id can no longer be trusted. */
  | 'channel_reset';

export interface AckTimings {
  readonly pollIntervalMs: number;
  readonly timeoutMs: number;
  readonly maxPending: number;
}

/** Asks Splunk about `ids` on `channel`; throws RetryableError/HecRefusedError. */
export type AckQuery = (channel: string, ids: readonly number[], signal: AbortSignal) => Promise<AckOutcome>;

export interface AckObserver {
  /** Any answer from the ack endpoint (clears an auth/config refusal). */
  onAnswered(): void;
  /** The ack endpoint refused the token or configuration. */
  onRefused(err: HecRefusedError): void;
  /** The ack query failed transiently (unreachable, 5xx, timeout): pending batches wait. */
  onFailed(error: string): void;
}

/** One event POST on a channel, from request to reply (or failure). */
export interface PostTicket {
  readonly channel: string;
  /** The POST got an HTTP reply; any ackId in it has been registered. */
  answered(): void;
  /** The POST ended without a reply (reset, timeout): it may hold an id we never saw. */
  unanswered(): void;
}

interface Pending {
  readonly ackId: number;
  readonly since: number;
  readonly settle: (result: AckResult) => void;
}

interface OpenPost {
  readonly settled: Promise<void>;
}

/** A counting semaphore with a FIFO queue and abortable waits: the max_pending cap. */
class Slots {
  private used = 0;
  private readonly waiters: Array<() => void> = [];

  constructor(private readonly capacity: number) {}

  get inUse(): number {
    return this.used;
  }

  get waiting(): number {
    return this.waiters.length;
  }

  acquire(signal: AbortSignal): Promise<() => void> {
    if (signal.aborted) return Promise.reject(new AbortedError());
    if (this.used < this.capacity) {
      this.used++;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve, reject) => {
      const grant = (): void => {
        signal.removeEventListener('abort', onAbort);
        this.used++;
        resolve(this.releaser());
      };
      const onAbort = (): void => {
        const i = this.waiters.indexOf(grant);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new AbortedError());
      };
      this.waiters.push(grant);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.used--;
      this.waiters.shift()?.();
    };
  }
}

export class IndexerAcknowledgements {
  /** X-Splunk-Request-Channel: one random UUID per sink instance (a new one after a reset). */
  private currentChannel = randomUUID();
  private readonly pending = new Map<number, Pending>();
  private readonly openPosts = new Set<OpenPost>();
  private unansweredPosts = 0;
  private timer?: NodeJS.Timeout;
  private polling = false;
  private closed = false;
  private readonly pollAbort = new AbortController();
  private readonly slots: Slots;
  private pollFailing = false;

  /** Counters for metrics (exported by a later issue). */
  readonly stats = { polls: 0, acked: 0, expired: 0, channelResets: 0, discardedPolls: 0, pollFailures: 0 };

  constructor(
    private readonly query: AckQuery,
    private readonly timings: AckTimings,
    private readonly observer: AckObserver,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.slots = new Slots(timings.maxPending);
  }

  get channel(): string {
    return this.currentChannel;
  }

  /** Batches awaiting their ack. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** Sends waiting for a pending slot (max_pending reached). */
  get waitingForSlot(): number {
    return this.slots.waiting;
  }

  /** A pending slot, held from the POST until the batch's ack settles. */
  acquireSlot(signal: AbortSignal): Promise<() => void> {
    return this.slots.acquire(signal);
  }

  beginPost(): PostTicket {
    let done!: () => void;
    const post: OpenPost = { settled: new Promise<void>((resolve) => (done = resolve)) };
    this.openPosts.add(post);
    let finished = false;
    const finish = (answered: boolean): void => {
      if (finished) return;
      finished = true;
      if (!answered) this.unansweredPosts++;
      this.openPosts.delete(post);
      done();
    };
    return { channel: this.currentChannel, answered: () => finish(true), unanswered: () => finish(false) };
  }

  /**
   * Registers the ackId a POST on `ticket` got; call before `ticket.answered()`. Resolves
   * with the batch's fate; rejects with AbortedError when `signal` aborts.
   */
  register(ticket: PostTicket, ackId: number, signal: AbortSignal): Promise<AckResult> {
    if (ticket.channel !== this.currentChannel) return Promise.resolve('channel_reset');
    if (this.pending.has(ackId)) {
      this.resetChannel(`Splunk issued ack id ${ackId} twice on one channel`);
      return Promise.resolve('channel_reset');
    }
    if (signal.aborted) return Promise.reject(new AbortedError());
    return new Promise<AckResult>((resolve, reject) => {
      const onAbort = (): void => {
        if (this.pending.get(ackId) === entry) this.pending.delete(ackId);
        reject(new AbortedError());
      };
      const entry: Pending = {
        ackId,
        since: this.now(),
        settle: (result) => {
          signal.removeEventListener('abort', onAbort);
          resolve(result);
        },
      };
      this.pending.set(ackId, entry);
      signal.addEventListener('abort', onAbort, { once: true });
      this.schedule();
    });
  }

  /** Stops polling; whatever is still pending is left to its sender's abort signal. */
  close(): void {
    this.closed = true;
    this.pollAbort.abort();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.closed || this.polling || this.timer || this.pending.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.poll();
    }, this.timings.pollIntervalMs);
  }

  private async poll(): Promise<void> {
    if (this.closed || this.pending.size === 0) return;
    this.polling = true;
    try {
      await this.pollOnce();
    } finally {
      this.polling = false;
      this.expireOld();
      this.schedule();
    }
  }

  private async pollOnce(): Promise<void> {
    const channel = this.currentChannel;
    const unansweredBefore = this.unansweredPosts;
    const ids = [...this.pending.keys()];
    this.stats.polls++;
    let outcome: AckOutcome;
    try {
      outcome = await this.query(channel, ids, this.pollAbort.signal);
    } catch (err) {
      if (err instanceof AbortedError) return;
      this.stats.pollFailures++;
      if (err instanceof HecRefusedError) {
        this.observer.onRefused(err);
        return;
      }
      this.observer.onFailed(errorMessage(err));
      if (!this.pollFailing) {
        this.pollFailing = true;
        this.logger.warn(
          'Splunk HEC ack query failed; pending batches stay pending and the query is repeated',
          {
            error: errorMessage(err),
            pending: ids.length,
          },
        );
      }
      return;
    }
    this.observer.onAnswered();
    if (this.pollFailing) {
      this.pollFailing = false;
      this.logger.info('Splunk HEC ack queries work again', { pending: this.pending.size });
    }
    // Let every POST that overlapped this poll register its id (or fail) before trusting it.
    await Promise.all([...this.openPosts].map((p) => p.settled));
    if (channel !== this.currentChannel) return;
    if (outcome.kind === 'channel_unknown') {
      this.resetChannel(`Splunk does not know the channel (${outcome.detail})`);
      return;
    }
    if (this.unansweredPosts !== unansweredBefore) {
      // A POST without a reply may hold one of the ids we asked about: ask again next time.
      this.stats.discardedPolls++;
      return;
    }
    let acked = 0;
    for (const id of ids) {
      if (outcome.acks[String(id)] !== true) continue;
      const entry = this.pending.get(id);
      if (!entry) continue;
      this.pending.delete(id);
      this.stats.acked++;
      acked++;
      entry.settle('acked');
    }
    this.logger.debug('Splunk HEC ack poll', { asked: ids.length, acked, still_pending: this.pending.size });
  }

  private expireOld(): void {
    const cutoff = this.now() - this.timings.timeoutMs;
    for (const [id, entry] of this.pending) {
      if (entry.since > cutoff) continue;
      this.pending.delete(id);
      this.stats.expired++;
      entry.settle('expired');
    }
  }

  /** Splunk lost the channel: resend everything pending on it, and continue on a new one. */
  private resetChannel(why: string): void {
    const old = this.currentChannel;
    this.currentChannel = randomUUID();
    this.stats.channelResets++;
    const pending = [...this.pending.values()];
    this.pending.clear();
    this.logger.warn(
      'Splunk HEC lost the indexer-ack state of our channel (restart?); resending unconfirmed batches on a new channel, possibly duplicating some events',
      {
        reason: why,
        old_channel: old,
        channel: this.currentChannel,
        resent_batches: pending.length,
      },
    );
    for (const entry of pending) entry.settle('channel_reset');
  }
}
