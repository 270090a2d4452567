import type { Logger } from '../../observability/logger';
import { RetryableError, errorMessage } from '../../util/errors';
import type { HecClient } from './client';
import {
  HecRefusedError,
  classifyAckReply,
  classifyEventReply,
  describeReply,
  type AdviceContext,
} from './protocol';

/**
 * The start-up check, so that a wrong URL, token, TLS setting or acknowledgement setting is
 * reported before anything is fetched, in a sentence an operator can act on:
 *  1. GET /services/collector/health: is HEC reachable, and healthy?
 *  2. POST an empty body to /services/collector/event: HEC checks the token, then the
 *     channel, then the body, so "No data" (400, code 5) proves token and channel are good
 *     without indexing anything.
 *  3. With acks on, query one ack id: "ACK is disabled" means the token was not set up for it.
 * A busy or unhealthy HEC (503) is only warned about: the sender retries until it recovers.
 */
export async function checkHec(
  client: HecClient,
  channel: string,
  opts: {
    readonly acks: boolean;
    readonly advice: AdviceContext;
    readonly endpoint: string;
    readonly logger: Logger;
  },
  signal: AbortSignal,
): Promise<void> {
  const { advice, endpoint, logger } = opts;
  const unreachable = (err: unknown): Error =>
    err instanceof HecRefusedError
      ? new Error(err.message)
      : new Error(
          `cannot reach Splunk HEC at ${endpoint}: ${errorMessage(err)}; check ${advice.fieldPath}.endpoint and that HEC is enabled`,
        );

  let health;
  try {
    health = await client.health(channel, signal);
  } catch (err) {
    throw unreachable(err);
  }
  // Some load balancers in front of HEC do not route the health path: only the event
  // endpoint's answer below decides whether this is a HEC at all.
  const healthMissing = health.status === 404 || health.status === 405;
  if (!healthMissing && health.status !== 200) {
    logger.warn('Splunk HEC reports itself unhealthy at start-up; delivery will retry until it recovers', {
      reply: describeReply(health.status, health.reply),
    });
  }

  let probe;
  try {
    probe = await client.postEvents(channel, Buffer.alloc(0), false, signal);
  } catch (err) {
    throw unreachable(err);
  }
  if (probe.status === 404 || probe.status === 405) {
    throw new Error(
      `${endpoint} answered ${describeReply(probe.status, probe.reply)} to /services/collector/event: it is not a Splunk HEC endpoint; ` +
        `set ${advice.fieldPath}.endpoint to the HEC base URL, e.g. https://splunk.example.com:8088`,
    );
  }
  if (healthMissing)
    logger.debug('HEC health endpoint not available here; relying on the event endpoint check', {
      status: health.status,
    });
  const noData = probe.status === 400 && probe.reply.code === 5;
  if (!noData) {
    try {
      classifyEventReply(probe.status, probe.reply, probe, 1, advice);
    } catch (err) {
      if (err instanceof HecRefusedError) throw new Error(err.message, { cause: err });
      if (!(err instanceof RetryableError)) throw err;
      logger.warn('Splunk HEC is busy at start-up; delivery will retry', { error: errorMessage(err) });
    }
  }

  if (!opts.acks) return;
  let ack;
  try {
    ack = await client.queryAcks(channel, [0], signal);
  } catch (err) {
    throw unreachable(err);
  }
  try {
    classifyAckReply(ack.status, ack.reply, ack, advice);
  } catch (err) {
    if (err instanceof HecRefusedError) throw new Error(err.message, { cause: err });
    logger.warn('Splunk HEC ack endpoint did not answer cleanly at start-up; delivery will retry', {
      error: errorMessage(err),
    });
  }
}
