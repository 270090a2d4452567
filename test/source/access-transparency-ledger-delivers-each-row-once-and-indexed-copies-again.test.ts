import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AccessTransparencyLedger } from '../../src/source/access-transparency/ledger';
import type { Activity } from '../../src/source/activity';

const row = (id: string, index?: number | null): Activity => ({
  id,
  type: 'anthropic_access',
  created_at: '2026-12-01T10:00:00.000000Z',
  actor: { type: 'anthropic_actor', email_address: null },
  ...(index === undefined ? {} : { transparency_log_leaf_index: index }),
});

test('a row is new until it is handed on, and stays delivered once committed, across a restart', () => {
  const ledger = new AccessTransparencyLedger();
  assert.equal(ledger.isNew(row('activity_a')), true);
  ledger.emitted(row('activity_a'));
  assert.equal(ledger.isNew(row('activity_a')), false, 'in flight: not handed on twice');
  ledger.commit(row('activity_a'));
  assert.equal(ledger.isNew(row('activity_a')), false);
  const restarted = new AccessTransparencyLedger(ledger.entries());
  assert.equal(restarted.isNew(row('activity_a')), false, 'the checkpoint remembers it');
});

test('a copy re-served with a transparency-log index the delivered copy lacked is new; null counts as absent', () => {
  const ledger = new AccessTransparencyLedger();
  ledger.emitted(row('activity_b', null));
  ledger.commit(row('activity_b', null));
  assert.equal(ledger.isNew(row('activity_b')), false);
  assert.equal(ledger.isNew(row('activity_b', 7)), true);
  ledger.emitted(row('activity_b', 7));
  assert.equal(
    ledger.isNew(row('activity_b', 7)),
    false,
    'the indexed copy in flight is not handed on twice',
  );
  ledger.commit(row('activity_b', 7));
  const restarted = new AccessTransparencyLedger(ledger.entries());
  assert.equal(restarted.isNew(row('activity_b', 7)), false);
  assert.equal(
    restarted.isNew(row('activity_b')),
    false,
    'an index-less copy after the indexed one is old news',
  );
});

test('an index-less copy committing after an indexed copy was handed on keeps the indexed one in flight', () => {
  const ledger = new AccessTransparencyLedger();
  ledger.emitted(row('activity_c'));
  ledger.emitted(row('activity_c', 3));
  ledger.commit(row('activity_c'));
  assert.equal(ledger.isNew(row('activity_c', 3)), false);
});

test('rows older than the floor are forgotten', () => {
  const ledger = new AccessTransparencyLedger([
    ['activity_old', Date.parse('2026-11-01T00:00:00Z'), 1],
    ['activity_new', Date.parse('2026-12-01T00:00:00Z'), 0],
  ]);
  ledger.prune(Date.parse('2026-11-15T00:00:00Z'));
  assert.deepEqual(
    ledger.entries().map(([id]) => id),
    ['activity_new'],
  );
});
