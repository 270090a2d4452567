import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tableLines } from '../../src/query/render';
import { makeRandomActivity } from '../../src/simulator/generate';

/**
 * `query --format table` is for a person at a terminal: no line is wider than the terminal
 * (a wrapped line breaks the columns), at 80 columns and down to 60, and a wide terminal
 * gives the summary its whole text.
 */
const rows = Array.from({ length: 300 }, (_, i) => {
  const activity = makeRandomActivity(i + 1);
  return { activity, raw: JSON.stringify(activity) };
});

test('no line is wider than the terminal, 60 to 200 columns', () => {
  for (const columns of [60, 72, 80, 100, 120, 160, 200]) {
    const widest = Math.max(...tableLines(rows, columns).map((l) => l.length));
    assert.ok(widest <= columns, `${columns} columns: a line of ${widest}`);
  }
});

test('on a wide terminal the summary is never cut', () => {
  assert.ok(tableLines(rows, 200).every((l) => !l.endsWith('…')));
});
