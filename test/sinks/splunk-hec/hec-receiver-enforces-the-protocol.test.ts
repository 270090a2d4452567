import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { deflateSync, gzipSync } from 'node:zlib';
import { DEFAULT_HEC_TOKEN, startHecReceiver, type HecReceiver } from '../../support/hec-receiver';

/**
 * The strict receiver is the yardstick for every HEC test, so it is tested first: a
 * lenient receiver would let a sink bug through.
 */

const ACK_TOKEN = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';
const DISABLED_TOKEN = 'dddddddd-bbbb-4ccc-8ddd-eeeeeeeeeeee';
const INDEXED_TOKEN = 'cccccccc-bbbb-4ccc-8ddd-eeeeeeeeeeee';

interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

async function call(
  receiver: HecReceiver,
  path: string,
  opts: {
    token?: string | null;
    auth?: string;
    channel?: string;
    body?: string | Buffer;
    encoding?: string;
    method?: string;
  } = {},
): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (opts.auth !== undefined) headers.Authorization = opts.auth;
  else if (opts.token !== null) headers.Authorization = `Splunk ${opts.token ?? DEFAULT_HEC_TOKEN}`;
  if (opts.channel) headers['X-Splunk-Request-Channel'] = opts.channel;
  if (opts.encoding) headers['Content-Encoding'] = opts.encoding;
  const res = await fetch(receiver.url + path, { method: opts.method ?? 'POST', headers, body: opts.body });
  const text = await res.text();
  return {
    status: res.status,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
    headers: res.headers,
  };
}

const envelope = (id: string, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ time: 1433188255.5, sourcetype: 't', fields: { event_id: id }, event: { id }, ...extra });

describe('the strict HEC receiver', () => {
  let receiver: HecReceiver;

  before(async () => {
    receiver = await startHecReceiver({
      tokens: {
        [DEFAULT_HEC_TOKEN]: {},
        [ACK_TOKEN]: { acks: true },
        [DISABLED_TOKEN]: { disabled: true },
        [INDEXED_TOKEN]: { indexes: ['claude_audit'] },
      },
      maxBodyBytes: 2000,
    });
  });
  after(() => receiver.stop());

  it('checks the token first, then the channel, then the body', async () => {
    const bad = 'not json at all';
    assert.deepEqual(
      (await call(receiver, '/services/collector/event', { token: null, body: bad })).body.code,
      2,
    );
    assert.equal((await call(receiver, '/services/collector/event', { token: null, body: bad })).status, 401);
    assert.equal(
      (await call(receiver, '/services/collector/event?token=x', { token: null, body: bad })).body.code,
      16,
    );
    const basic = await call(receiver, '/services/collector/event', { auth: 'Bearer abc', body: bad });
    assert.deepEqual([basic.status, basic.body.code], [401, 3]);
    const unknown = await call(receiver, '/services/collector/event', { token: 'nope', body: bad });
    assert.deepEqual([unknown.status, unknown.body.code, unknown.body.text], [403, 4, 'Invalid token']);
    const disabled = await call(receiver, '/services/collector/event', { token: DISABLED_TOKEN, body: bad });
    assert.deepEqual([disabled.status, disabled.body.code], [403, 1]);
    // An ack token needs a channel before the body is even looked at.
    const noChannel = await call(receiver, '/services/collector/event', { token: ACK_TOKEN, body: bad });
    assert.deepEqual([noChannel.status, noChannel.body.code], [400, 10]);
    const badChannel = await call(receiver, '/services/collector/event', {
      token: ACK_TOKEN,
      channel: 'not-a-uuid',
      body: bad,
    });
    assert.deepEqual([badChannel.status, badChannel.body.code], [400, 11]);
    const badBody = await call(receiver, '/services/collector/event', {
      token: ACK_TOKEN,
      channel: randomUUID(),
      body: bad,
    });
    assert.deepEqual([badBody.status, badBody.body.code, badBody.body['invalid-event-number']], [400, 6, 0]);
    const empty = await call(receiver, '/services/collector/event', { body: '' });
    assert.deepEqual([empty.status, empty.body.code], [400, 5]);
  });

  it('parses concatenated envelopes and gzip, and refuses other encodings with 415', async () => {
    const before = receiver.events().length;
    const ok = await call(receiver, '/services/collector/event', {
      body: envelope('a') + envelope('b') + '\n ' + envelope('c'),
    });
    assert.deepEqual([ok.status, ok.body.code, ok.body.text], [200, 0, 'Success']);
    const gz = await call(receiver, '/services/collector', {
      body: gzipSync(envelope('d')),
      encoding: 'gzip',
    });
    assert.equal(gz.status, 200);
    const deflate = await call(receiver, '/services/collector/event', {
      body: deflateSync(envelope('e')),
      encoding: 'deflate',
    });
    assert.equal(deflate.status, 415);
    const brokenGzip = await call(receiver, '/services/collector/event', {
      body: Buffer.from('garbage'),
      encoding: 'gzip',
    });
    assert.deepEqual([brokenGzip.status, brokenGzip.body.code], [400, 6]);
    assert.deepEqual(receiver.eventIds().slice(before), ['a', 'b', 'c', 'd']);
  });

  it('keeps the events before an invalid one, and only those', async () => {
    const cases: Array<[string, number]> = [
      [JSON.stringify({ fields: { event_id: 'x' } }), 12],
      [JSON.stringify({ event: '  ', fields: { event_id: 'x' } }), 13],
      [envelope('x', { fields: { event_id: 'x', nested: { a: 1 } } }), 15],
      [envelope('x', { time: 'yesterday' }), 6],
      ['{"event": {"unterminated": true}', 6],
      ['[' + envelope('x') + ']', 6],
    ];
    for (const [bad, code] of cases) {
      const before = receiver.events().length;
      const res = await call(receiver, '/services/collector/event', {
        body: envelope('p1') + envelope('p2') + bad + envelope('after'),
      });
      assert.deepEqual([res.status, res.body.code, res.body['invalid-event-number']], [400, code, 2], bad);
      assert.deepEqual(receiver.eventIds().slice(before), ['p1', 'p2'], bad);
    }
    const arrays = await call(receiver, '/services/collector/event', {
      body: envelope('arr', { fields: { event_id: 'arr', tags: ['a', 'b'] } }),
    });
    assert.equal(arrays.status, 200, 'arrays of strings are valid indexed-field values');
  });

  it('refuses an index the token may not write to with code 7', async () => {
    const before = receiver.events().length;
    const res = await call(receiver, '/services/collector/event', {
      token: INDEXED_TOKEN,
      body: envelope('i1', { index: 'claude_audit' }) + envelope('i2', { index: 'main' }),
    });
    assert.deepEqual([res.status, res.body.code, res.body['invalid-event-number']], [400, 7, 1]);
    assert.deepEqual(receiver.eventIds().slice(before), ['i1']);
  });

  it('answers 413 for bodies over the limit, on the wire or once decompressed', async () => {
    const big = Array.from({ length: 40 }, (_, i) => envelope(`big${i}`)).join('');
    assert.ok(big.length > 2000);
    const plain = await call(receiver, '/services/collector/event', { body: big });
    assert.equal(plain.status, 413);
    const zipped = gzipSync(big);
    assert.ok(zipped.length < 2000, 'the gzip body itself fits');
    const gz = await call(receiver, '/services/collector/event', { body: zipped, encoding: 'gzip' });
    assert.equal(gz.status, 413);
    assert.ok(!receiver.eventIds().includes('big0'));
  });

  it('issues ack ids per channel from 0, answers true once, and honours delayed and lost acks', async () => {
    const a = randomUUID();
    const b = randomUUID();
    const post = (channel: string, id: string) =>
      call(receiver, '/services/collector/event', { token: ACK_TOKEN, channel, body: envelope(id) });
    const ack = (channel: string, ids: unknown) =>
      call(receiver, '/services/collector/ack', {
        token: ACK_TOKEN,
        channel,
        body: JSON.stringify({ acks: ids }),
      });
    assert.equal((await post(a, 'a0')).body.ackId, 0);
    assert.equal((await post(a, 'a1')).body.ackId, 1);
    assert.equal((await post(b, 'b0')).body.ackId, 0);
    assert.deepEqual((await ack(a, [0, 1, 7])).body, { acks: { 0: true, 1: true, 7: false } });
    assert.deepEqual(
      (await ack(a, [0])).body,
      { acks: { 0: false } },
      'a true is answered once, then forgotten',
    );

    receiver.faults.ackDelayMs = 150;
    assert.equal((await post(b, 'b1')).body.ackId, 1);
    assert.deepEqual((await ack(b, [1])).body, { acks: { 1: false } });
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual((await ack(b, [1])).body, { acks: { 1: true } });
    receiver.faults.ackDelayMs = 0;

    receiver.faults.loseAcks = 1;
    assert.equal((await post(b, 'b2')).body.ackId, 2);
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual((await ack(b, [0, 2])).body, { acks: { 0: true, 2: false } });
    receiver.releaseAcks();
    assert.deepEqual((await ack(b, [2])).body, { acks: { 2: true } });

    const disabled = await call(receiver, '/services/collector/ack', {
      body: JSON.stringify({ acks: [0] }),
      channel: a,
    });
    assert.deepEqual(
      [disabled.status, disabled.body.code],
      [400, 14],
      'a token without acks gets "ACK is disabled"',
    );
    const malformed = await call(receiver, '/services/collector/ack', {
      token: ACK_TOKEN,
      channel: a,
      body: '{"acks":"0"}',
    });
    assert.deepEqual([malformed.status, malformed.body.code], [400, 6]);
  });

  it('answers health, 503 bursts with Retry-After, 429 and 500 as configured', async () => {
    const health = await call(receiver, '/services/collector/health', { method: 'GET' });
    assert.deepEqual([health.status, health.body.code], [200, 17]);
    receiver.faults.unhealthy = true;
    assert.equal((await call(receiver, '/services/collector/health', { method: 'GET' })).status, 503);
    receiver.faults.unhealthy = false;

    Object.assign(receiver.faults, { busy: 2, throttled: 1, internalErrors: 1, retryAfterSeconds: 3 });
    const statuses: Array<[number, unknown, string | null]> = [];
    for (let i = 0; i < 5; i++) {
      const res = await call(receiver, '/services/collector/event', { body: envelope(`burst${i}`) });
      statuses.push([res.status, res.body.code, res.headers.get('retry-after')]);
    }
    receiver.faults.retryAfterSeconds = undefined;
    assert.deepEqual(statuses, [
      [503, 9, '3'],
      [503, 9, '3'],
      [429, 26, '3'],
      [500, 8, null],
      [200, 0, null],
    ]);
    assert.deepEqual(
      receiver.eventIds().filter((id) => id.startsWith('burst')),
      ['burst4'],
    );
    assert.equal((await call(receiver, '/services/collector/nope', {})).status, 404);
  });

  it('forgets channels and (optionally) unreplicated events on restart, keeping its port', async () => {
    const channel = randomUUID();
    const port = receiver.port;
    receiver.faults.acksNeverTrue = true;
    await call(receiver, '/services/collector/event', {
      token: ACK_TOKEN,
      channel,
      body: envelope('unreplicated'),
    });
    receiver.faults.acksNeverTrue = false;
    assert.ok(receiver.eventIds().includes('unreplicated'));
    await receiver.restart({ loseUnacknowledged: true });
    assert.equal(receiver.port, port);
    assert.ok(!receiver.eventIds().includes('unreplicated'));
    assert.ok(receiver.eventIds().includes('a0'), 'replicated events survive');
    await new Promise((r) => setTimeout(r, 50)); // let fetch notice its pooled connections died
    const res = await call(receiver, '/services/collector/event', {
      token: ACK_TOKEN,
      channel,
      body: envelope('fresh'),
    });
    assert.equal(res.body.ackId, 0, 'ack ids start again from 0 after a restart');
  });
});
