import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/load';
import { ConfigError } from '../../src/util/errors';
import { SINK_FACTORIES } from '../../src/sinks/registry';
import { MINIMAL_SINKS } from '../support/minimal-sinks';

/**
 * `retry: { initial_backoff, max_backoff }` means the same thing, with the same defaults, in
 * `source:` and in every sink type; syslog's former `reconnect:` is refused, naming the new
 * field, rather than silently ignored or half-honoured.
 */

const SOURCE = { base_url: 'http://127.0.0.1:9', api_key: 'sk-ant-api01-test-key' };
const MINIMAL = MINIMAL_SINKS;

function parse(doc: Record<string, unknown>) {
  return parseConfig(JSON.stringify(doc), { env: {} });
}

test('every registered sink type and the source default to retry 1s doubling to 30s', () => {
  for (const f of SINK_FACTORIES) {
    const sink = MINIMAL[f.type];
    assert.ok(sink, `a minimal ${f.type} config is listed here`);
    const cfg = parse({ source: SOURCE, sinks: { s: sink } });
    assert.deepEqual(
      (cfg.sinks.s as { retry: unknown }).retry,
      { initial_backoff: 1000, max_backoff: 30_000 },
      f.type,
    );
    assert.deepEqual(cfg.source.retry, { initial_backoff: 1000, max_backoff: 30_000 });
  }
});

test('a retry block whose ceiling is below its start is refused naming the field, in a sink and in the source', () => {
  const bad = { initial_backoff: '1m', max_backoff: '1s' };
  for (const f of SINK_FACTORIES) {
    assert.throws(
      () => parse({ source: SOURCE, sinks: { s: { ...MINIMAL[f.type], retry: bad } } }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, /must be at least retry\.initial_backoff/);
        assert.equal(err.path, 'sinks.s.retry.max_backoff');
        return true;
      },
    );
  }
  assert.throws(
    () => parse({ source: { ...SOURCE, retry: bad }, sinks: { s: MINIMAL.stdout } }),
    (err: unknown) => err instanceof ConfigError && err.path === 'source.retry.max_backoff',
  );
});

test("syslog's former reconnect: block is refused with the new name", () => {
  assert.throws(
    () =>
      parse({
        source: SOURCE,
        sinks: { s: { ...MINIMAL.syslog, reconnect: { initial_backoff: '1s', max_backoff: '30s' } } },
      }),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.path, 'sinks.s.reconnect');
      assert.match(
        err.message,
        /"reconnect" was renamed "retry" \(same fields\); rename reconnect: to retry:/,
      );
      return true;
    },
  );
});
