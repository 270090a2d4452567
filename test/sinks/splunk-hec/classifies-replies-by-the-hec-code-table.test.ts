import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  HecRefusedError,
  classifyAckReply,
  classifyEventReply,
  parseReply,
  parseRetryAfter,
  type EventOutcome,
} from '../../../src/sinks/splunk-hec/protocol';
import { AuthError, RetryableError } from '../../../src/util/errors';

const ctx = { fieldPath: 'sinks.splunk', index: 'claude_audit' };

function classify(
  status: number,
  body: Record<string, unknown>,
  batchSize = 10,
  retryAfter?: string,
): EventOutcome | Error {
  try {
    return classifyEventReply(status, parseReply(JSON.stringify(body)), { retryAfter }, batchSize, ctx);
  } catch (err) {
    return err as Error;
  }
}

describe('HEC reply classification', () => {
  it('treats 200 (codes 0, 24, 25) as accepted, carrying the ack id', () => {
    assert.deepEqual(classify(200, { text: 'Success', code: 0, ackId: 7 }), {
      kind: 'accepted',
      ackId: 7,
      nearCapacity: false,
    });
    assert.deepEqual(classify(200, { code: 24 }), { kind: 'accepted', ackId: undefined, nearCapacity: true });
    assert.deepEqual(classify(200, { code: 25 }), { kind: 'accepted', ackId: undefined, nearCapacity: true });
  });

  it('retries 503 (9, 18–20, 23), 429 (26, 27), 500, 502, 504 and 408, honouring Retry-After', () => {
    for (const [status, code] of [
      [503, 9],
      [503, 18],
      [503, 19],
      [503, 20],
      [503, 23],
      [429, 26],
      [429, 27],
      [500, 8],
      [502, undefined],
      [504, undefined],
      [408, undefined],
    ] as const) {
      const r = classify(status, code === undefined ? {} : { code });
      assert.ok(r instanceof RetryableError, `${status}/${code}`);
    }
    const withWait = classify(503, { code: 9 }, 10, '7');
    assert.ok(withWait instanceof RetryableError);
    assert.equal(withWait.retryAfterMs, 7000);
  });

  it('never dead-letters for 401/403 (codes 1–4): they are auth refusals', () => {
    for (const [status, code] of [
      [403, 1],
      [401, 2],
      [401, 3],
      [403, 4],
    ] as const) {
      const r = classify(status, { code });
      assert.ok(r instanceof HecRefusedError && r instanceof AuthError, `${status}/${code}`);
      assert.equal(r.reason, 'auth');
      assert.match(r.message, /token/);
    }
  });

  it('treats index, channel, ack and query-auth refusals (7, 10, 11, 14, 16) as configuration problems', () => {
    for (const code of [7, 10, 11, 14, 16]) {
      const r = classify(400, { code, 'invalid-event-number': 0 });
      assert.ok(r instanceof HecRefusedError, String(code));
      assert.equal(r.reason, 'config');
    }
    const index = classify(400, { code: 7 });
    assert.match((index as Error).message, /index "claude_audit".*sinks\.splunk\.index/);
    assert.match((classify(400, { code: 14 }) as Error).message, /indexer_acknowledgements: false/);
  });

  it('keeps the events before a refused one even when the code is a configuration problem', () => {
    assert.deepEqual(classify(400, { code: 7, text: 'Incorrect index', 'invalid-event-number': 3 }), {
      kind: 'prefix_indexed',
      index: 3,
      detail: 'HTTP 400, code 7 (Incorrect index)',
    });
  });

  it('pins a data error (5, 6, 12, 13, 15) on the numbered event, or asks to bisect without a usable number', () => {
    for (const code of [6, 12, 13, 15]) {
      assert.deepEqual(classify(400, { code, 'invalid-event-number': 4 }, 10), {
        kind: 'invalid_event',
        index: 4,
        detail: `HTTP 400, code ${code} (${code === 6 ? 'Invalid data format' : code === 12 ? 'Event field is required' : code === 13 ? 'Event field cannot be blank' : 'Error in handling indexed fields'})`,
      });
      assert.equal((classify(400, { code }) as EventOutcome).kind, 'bad_data');
      assert.equal(
        (classify(400, { code, 'invalid-event-number': 10 }, 10) as EventOutcome).kind,
        'bad_data',
        'number out of range',
      );
    }
  });

  it('splits on 413 and refuses to follow redirects or talk to non-HEC URLs', () => {
    assert.equal((classify(413, {}) as EventOutcome).kind, 'too_large');
    const redirect = classifyEventReplyWithLocation(301, 'https://elsewhere.example.com/');
    assert.ok(redirect instanceof HecRefusedError);
    assert.match(redirect.message, /elsewhere\.example\.com.*not followed/);
    const notFound = classify(404, { text: 'The requested URL was not found on this server.' });
    assert.ok(notFound instanceof HecRefusedError);
    assert.match(notFound.message, /sinks\.splunk\.endpoint/);
    assert.ok(classify(415, {}) instanceof HecRefusedError);
    assert.ok(
      classify(501, {}) instanceof HecRefusedError,
      '501 Not Implemented will not change by retrying',
    );
  });

  it('reads ack replies: true per id, unknown channel, refusals and transient failures', () => {
    assert.deepEqual(classifyAckReply(200, parseReply('{"acks":{"0":true,"1":false}}'), {}, ctx), {
      kind: 'acks',
      acks: { 0: true, 1: false },
    });
    assert.equal(classifyAckReply(400, parseReply('{"code":11}'), {}, ctx).kind, 'channel_unknown');
    assert.throws(() => classifyAckReply(403, parseReply('{"code":4}'), {}, ctx), HecRefusedError);
    assert.throws(
      () => classifyAckReply(400, parseReply('{"code":14}'), {}, ctx),
      /indexer_acknowledgements/,
    );
    assert.throws(() => classifyAckReply(503, parseReply('{"code":9}'), {}, ctx), RetryableError);
    assert.throws(() => classifyAckReply(200, parseReply('<html>'), {}, ctx), RetryableError);
  });

  it('parses Retry-After as seconds or an HTTP date, and tolerates non-JSON bodies', () => {
    assert.equal(parseRetryAfter('120'), 120_000);
    assert.equal(parseRetryAfter(new Date(Date.now() + 5000).toUTCString())! > 3000, true);
    assert.equal(parseRetryAfter('soon'), undefined);
    assert.deepEqual(parseReply('<html>Bad gateway</html>'), {});
    assert.deepEqual(parseReply('{"code":-1,"ackId":"3"}'), {
      text: undefined,
      code: undefined,
      ackId: undefined,
      invalidEventNumber: undefined,
      acks: undefined,
    });
  });
});

function classifyEventReplyWithLocation(status: number, location: string): Error | EventOutcome {
  try {
    return classifyEventReply(status, {}, { location }, 1, ctx);
  } catch (err) {
    return err as Error;
  }
}
