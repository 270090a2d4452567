import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger, type LogFormat } from '../../src/observability/logger';

/**
 * Values in log lines come from the API and from receivers. In the text format they reach an
 * operator's terminal: escape sequences (colours, cursor moves, window titles, screen
 * clears), C0 and C1 controls and line breaks are stripped, so no value can repaint the
 * screen or forge a line. JSON lines stay JSON, with every value recoverable exactly.
 */

const HOSTILE = {
  colour: 'red\u001b[31mALERT\u001b[0m',
  title: 'x\u001b]0;pwned\u0007y',
  c1: 'clear\u009b2Jscreen\u0085next',
  forged: 'ok\r\n2026-12-06T00:00:00.000Z info  forged line',
  controls: 'nul\u0000bel\u0007del\u007fbs\u0008',
};

function capture(format: LogFormat): { lines: () => string[]; logger: ReturnType<typeof createLogger> } {
  let out = '';
  const stream = new Writable({ write: (chunk: Buffer, _enc, cb) => ((out += chunk.toString()), cb()) });
  return { logger: createLogger({ format, stream }), lines: () => out.split('\n').filter((l) => l !== '') };
}

test('text lines carry no control character from a message, a field name or a value, nested ones included', () => {
  const { logger, lines } = capture('text');
  logger.warn(`activity note: ${HOSTILE.colour}`, {
    ...HOSTILE,
    ['k\u001b[2Jey']: 'v',
    nested: { note: HOSTILE.c1 },
  });
  const out = lines();
  assert.equal(out.length, 1, `one line, no forged second line: ${JSON.stringify(out)}`);
  const line = out[0];
  assert.doesNotMatch(line, /[\u0000-\u001f\u007f-\u009f]/, JSON.stringify(line));
  assert.match(line, /activity note: redALERT /);
  assert.match(line, / colour=redALERT /);
  assert.match(line, / title=xy /, 'the whole title-setting sequence goes, not just ESC');
  assert.match(line, / c1=clearscreennext /);
  assert.match(line, / forged="ok {2}2026-12-06T00:00:00.000Z info {2}forged line" /);
  assert.match(line, / controls=nulbeldelbs /);
  assert.match(line, / key=v /);
  assert.match(line, / nested=\{"note":"clearscreennext"\}/);
});

test('JSON lines keep every value exactly, escaped', () => {
  const { logger, lines } = capture('json');
  logger.warn('hostile values', HOSTILE);
  const out = lines();
  assert.equal(out.length, 1);
  assert.doesNotMatch(out[0], /[\u0000-\u001f]/, 'C0 controls are escaped by JSON');
  const parsed = JSON.parse(out[0]) as Record<string, string>;
  for (const [k, v] of Object.entries(HOSTILE)) assert.equal(parsed[k], v, k);
});
