import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { IndexerAcknowledgements, type AckResult } from '../../../src/sinks/splunk-hec/acknowledgements';
import { HecRefusedError, type AckOutcome } from '../../../src/sinks/splunk-hec/protocol';
import { AbortedError, RetryableError } from '../../../src/util/errors';
import { silentLogger } from '../../../src/observability/logger';
import { settlesWithin } from './helpers';

/**
 * The ack tracker against a scripted ack endpoint, so the orderings that matter (a poll
 * answered while a POST is still in flight, an id issued twice) happen exactly, every run.
 */

interface Call {
  readonly channel: string;
  readonly ids: readonly number[];
  answer(outcome: AckOutcome | Error): void;
}

function scriptedEndpoint(): {
  calls: Call[];
  next(): Promise<Call>;
  query: ConstructorParameters<typeof IndexerAcknowledgements>[0];
} {
  const calls: Call[] = [];
  const waiters: Array<(c: Call) => void> = [];
  return {
    calls,
    next: () =>
      new Promise<Call>((resolve) => (calls.length > 0 ? resolve(calls.shift()!) : waiters.push(resolve))),
    query: (channel, ids) =>
      new Promise<AckOutcome>((resolve, reject) => {
        const call: Call = {
          channel,
          ids: [...ids],
          answer: (o) => (o instanceof Error ? reject(o) : resolve(o)),
        };
        const waiter = waiters.shift();
        if (waiter) waiter(call);
        else calls.push(call);
      }),
  };
}

function tracker(
  endpoint: ReturnType<typeof scriptedEndpoint>,
  opts: Partial<{ timeoutMs: number; maxPending: number; now: () => number }> = {},
) {
  const refused: HecRefusedError[] = [];
  const acks = new IndexerAcknowledgements(
    endpoint.query,
    { pollIntervalMs: 5, timeoutMs: opts.timeoutMs ?? 60_000, maxPending: opts.maxPending ?? 100 },
    { onAnswered: () => undefined, onRefused: (e) => refused.push(e), onFailed: () => undefined },
    silentLogger,
    opts.now,
  );
  return { acks, refused };
}

const acksOf = (map: Record<number, boolean>): AckOutcome => ({
  kind: 'acks',
  acks: Object.fromEntries(Object.entries(map).map(([k, v]) => [k, v])),
});
const signal = new AbortController().signal;

describe('indexer acknowledgements', () => {
  it('releases a batch only when its own id is answered true', async () => {
    const ep = scriptedEndpoint();
    const { acks } = tracker(ep);
    const t0 = acks.beginPost();
    const w0 = acks.register(t0, 0, signal);
    t0.answered();
    const t1 = acks.beginPost();
    const w1 = acks.register(t1, 1, signal);
    t1.answered();
    const first = await ep.next();
    assert.deepEqual(first.ids, [0, 1]);
    assert.equal(first.channel, acks.channel);
    first.answer(acksOf({ 0: false, 1: true }));
    assert.equal(await w1, 'acked');
    assert.equal(await settlesWithin(w0, 30), false, 'false keeps the batch pending');
    const second = await ep.next();
    assert.deepEqual(second.ids, [0]);
    second.answer(acksOf({ 0: true }));
    assert.equal(await w0, 'acked');
    assert.equal(acks.pendingCount, 0);
    acks.close();
  });

  it('hands a batch back for a resend when no true arrives within the ack timeout', async () => {
    const ep = scriptedEndpoint();
    let now = 1_000;
    const { acks } = tracker(ep, { timeoutMs: 300, now: () => now });
    const t = acks.beginPost();
    const w = acks.register(t, 0, signal);
    t.answered();
    (await ep.next()).answer(acksOf({ 0: false }));
    now += 299;
    (await ep.next()).answer(acksOf({ 0: false }));
    assert.equal(await settlesWithin(w, 20), false);
    now += 1;
    (await ep.next()).answer(new RetryableError('ack endpoint down'));
    assert.equal(await w, 'expired', 'expiry also happens while the ack endpoint fails');
    assert.equal(acks.stats.expired, 1);
    acks.close();
  });

  it('treats an id issued twice as a lost channel: resends both batches on a new channel', async () => {
    const ep = scriptedEndpoint();
    const { acks } = tracker(ep);
    const before = acks.channel;
    const t0 = acks.beginPost();
    const old = acks.register(t0, 0, signal);
    t0.answered();
    // Splunk restarted: the next batch is given id 0 again on the same channel.
    const t1 = acks.beginPost();
    const reissued = acks.register(t1, 0, signal);
    t1.answered();
    assert.equal(await old, 'channel_reset');
    assert.equal(await reissued, 'channel_reset');
    assert.notEqual(acks.channel, before);
    assert.equal(acks.stats.channelResets, 1);
    // A POST begun on the old channel and answered after the reset cannot be trusted either.
    const ticketOnNew = acks.beginPost();
    assert.equal(ticketOnNew.channel, acks.channel);
    acks.close();
  });

  it('does not apply a true that arrived while a POST was in flight until that POST is seen through', async () => {
    const ep = scriptedEndpoint();
    const { acks } = tracker(ep);
    const t0 = acks.beginPost();
    const old = acks.register(t0, 0, signal);
    t0.answered();
    // Splunk restarts; a new POST is in flight and gets id 0; the poll about the *old* id 0
    // is answered true (it is the new batch's ack) before that POST's reply is processed.
    const inFlight = acks.beginPost();
    const poll = await ep.next();
    poll.answer(acksOf({ 0: true }));
    assert.equal(
      await settlesWithin(old, 30),
      false,
      'the old batch must not be released by someone else’s ack',
    );
    const reissued = acks.register(inFlight, 0, signal);
    inFlight.answered();
    assert.equal(await old, 'channel_reset');
    assert.equal(await reissued, 'channel_reset');
    acks.close();
  });

  it('discards a poll overlapping a POST that got no reply (its id is unknown), and asks again', async () => {
    const ep = scriptedEndpoint();
    const { acks } = tracker(ep);
    const t0 = acks.beginPost();
    const w = acks.register(t0, 0, signal);
    t0.answered();
    const lost = acks.beginPost();
    const poll = await ep.next();
    poll.answer(acksOf({ 0: true }));
    lost.unanswered();
    assert.equal(await settlesWithin(w, 30), false);
    assert.equal(acks.stats.discardedPolls, 1);
    (await ep.next()).answer(acksOf({ 0: true }));
    assert.equal(await w, 'acked');
    acks.close();
  });

  it('resends everything pending when Splunk says it does not know the channel', async () => {
    const ep = scriptedEndpoint();
    const { acks } = tracker(ep);
    const t = acks.beginPost();
    const w = acks.register(t, 3, signal);
    t.answered();
    (await ep.next()).answer({ kind: 'channel_unknown', detail: 'HTTP 400, code 11' });
    assert.equal(await w, 'channel_reset');
    acks.close();
  });

  it('reports an ack endpoint that refuses the token and keeps the batch pending', async () => {
    const ep = scriptedEndpoint();
    const { acks, refused } = tracker(ep);
    const t = acks.beginPost();
    const w = acks.register(t, 0, signal);
    t.answered();
    (await ep.next()).answer(new HecRefusedError('refused', 'auth'));
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(refused.length, 1);
    assert.equal(await settlesWithin(w, 20), false);
    (await ep.next()).answer(acksOf({ 0: true }));
    assert.equal(await w, 'acked');
    acks.close();
  });

  it('caps pending batches at max_pending: the next send waits for a slot, and an abort frees the waiter', async () => {
    const ep = scriptedEndpoint();
    const { acks } = tracker(ep, { maxPending: 2 });
    const r1 = await acks.acquireSlot(signal);
    const r2 = await acks.acquireSlot(signal);
    const third = acks.acquireSlot(signal);
    assert.equal(await settlesWithin(third, 30), false);
    assert.equal(acks.waitingForSlot, 1);
    const abort = new AbortController();
    const fourth = acks.acquireSlot(abort.signal);
    abort.abort();
    await assert.rejects(fourth, AbortedError);
    r1();
    r1(); // releasing twice must not free two slots
    const r3 = await third;
    const fifth = acks.acquireSlot(signal);
    assert.equal(await settlesWithin(fifth, 30), false, 'still two in use');
    r2();
    (await fifth)();
    r3();
    acks.close();
  });

  it('rejects a waiting batch with AbortedError on shutdown and forgets it', async () => {
    const ep = scriptedEndpoint();
    const { acks } = tracker(ep);
    const abort = new AbortController();
    const t = acks.beginPost();
    const w: Promise<AckResult> = acks.register(t, 0, abort.signal);
    t.answered();
    abort.abort();
    await assert.rejects(w, AbortedError);
    assert.equal(acks.pendingCount, 0);
    acks.close();
  });
});
