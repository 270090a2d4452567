import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RetryableError } from '../../../src/util/errors';
import { SentinelRefusedError } from '../../../src/sinks/sentinel/refusal';
import {
  MAX_RETRY_AFTER_MS,
  classifyIngestionReply,
  retryAfterMs,
  type IngestionReply,
} from '../../../src/sinks/sentinel/protocol';

/** Each row of the Logs Ingestion status table (shared spec: sinks-more.md) on its own. */
function reply(status: number, code?: string, headers: Record<string, string> = {}): IngestionReply {
  const all: Record<string, string> = { ...headers, ...(code ? { 'x-ms-error-code': code } : {}) };
  return {
    status,
    body: code ? JSON.stringify({ error: { code, message: `${code} happened` } }) : '',
    header: (name) => all[name.toLowerCase()],
  };
}

const classify = (r: IngestionReply) => classifyIngestionReply(r, 'sinks.sentinel');

describe('the Logs Ingestion status table', () => {
  it('204 delivers; 401 asks for a fresh token; 413 and a data 400 split', () => {
    assert.equal(classify(reply(204)).kind, 'accepted');
    assert.equal(classify(reply(401, 'InvalidToken')).kind, 'token_refused');
    assert.equal(classify(reply(413, 'ContentLengthLimitExceeded')).kind, 'too_large');
    assert.equal(classify(reply(400, 'InvalidContent')).kind, 'bad_data');
    assert.equal(classify(reply(400)).kind, 'bad_data');
  });

  it('a 400 about the stream, DCR or api-version holds the events instead of dead-lettering them', () => {
    for (const code of ['InvalidStream', 'InvalidApiVersion', 'InvalidContentEncoding'])
      assert.throws(() => classify(reply(400, code)), SentinelRefusedError, code);
  });

  it('403, 404, a redirect and other 4xx are refusals people fix, named with the field', () => {
    assert.throws(() => classify(reply(403, 'OperationFailed')), /Monitoring Metrics Publisher/);
    assert.throws(() => classify(reply(404, 'NotFound')), /sinks\.sentinel\.dcr_immutable_id/);
    assert.throws(() => classify(reply(302)), /redirect/);
    assert.throws(() => classify(reply(415)), SentinelRefusedError);
    assert.throws(() => classify(reply(501)), SentinelRefusedError);
  });

  it('429, 408 and 5xx are retried, with Retry-After honoured and capped', () => {
    for (const status of [408, 429, 500, 502, 503, 504])
      assert.throws(() => classify(reply(status)), RetryableError);
    try {
      classify(reply(429, 'TooManyRequests', { 'retry-after': '17' }));
      assert.fail('expected a retry');
    } catch (err) {
      assert.ok(err instanceof RetryableError);
      assert.equal(err.retryAfterMs, 17_000);
    }
    assert.equal(retryAfterMs(reply(429, undefined, { 'retry-after-ms': '250' })), 250);
    assert.equal(retryAfterMs(reply(429, undefined, { 'x-ms-retry-after-ms': '900' })), 900);
    assert.equal(retryAfterMs(reply(429, undefined, { 'retry-after': '86400' })), MAX_RETRY_AFTER_MS);
    assert.equal(retryAfterMs(reply(429)), undefined);
  });
});
