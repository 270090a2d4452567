/**
 * The counters every sink keeps the same way, exported on /metrics as
 * `sink_requests_total{sink,outcome}`, `sink_sent_bytes_total{sink}` and
 * `sink_retries_total{sink}`.
 *
 * A request is one write of a batch (or of part of one) to the destination: an HEC post, a
 * Kafka produce, a syslog batch written to the connection, an append (write + fsync) to the
 * file, a write to stdout. Its outcome is one of:
 * - `ok`: the destination took it (an HEC partial batch counts here: it answered);
 * - `retried`: it failed transiently (network, timeout, 5xx, credentials) and is tried again;
 * - `rejected`: the destination refused its data for good (the batch is halved, or the
 *   record dead-lettered).
 */
export const REQUEST_OUTCOMES = ['ok', 'retried', 'rejected'] as const;
export type RequestOutcome = (typeof REQUEST_OUTCOMES)[number];

export class SinkStats {
  private readonly byOutcome: Record<RequestOutcome, number> = { ok: 0, retried: 0, rejected: 0 };
  private bytes = 0;
  private retryCount = 0;

  /** Requests made, by outcome. */
  get requests(): Readonly<Record<RequestOutcome, number>> {
    return this.byOutcome;
  }

  /** Bytes put on the wire (or on disk), compressed size where the sink compresses. */
  get sentBytes(): number {
    return this.bytes;
  }

  /** Waits before trying a failed request (or connection) again. */
  get retries(): number {
    return this.retryCount;
  }

  request(outcome: RequestOutcome): void {
    this.byOutcome[outcome]++;
  }

  sent(bytes: number): void {
    this.bytes += bytes;
  }

  retried(): void {
    this.retryCount++;
  }
}
