import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseRoute } from '../../src/http/proxy';
import { ConfigError } from '../../src/util/errors';

/**
 * The rule the source had (issue #15), for every HTTP client: a request over plain http
 * carries its credential (API key, HEC token) in clear, so it is forwarded only by a proxy on
 * this machine, and a loopback target is never proxied (that would carry the credential off
 * the machine). https always goes through CONNECT.
 */
const ctx = { fieldPath: 'sinks.splunk', credential: 'the HEC token' };

test('a loopback plain-http target is read directly, whatever the proxy', () => {
  for (const env of [{ HTTP_PROXY: 'http://127.0.0.1:3128' }, { http_proxy: 'http://proxy.corp:3128' }]) {
    const route = chooseRoute(new URL('http://127.0.0.1:8088'), undefined, { ...ctx, env });
    assert.equal(route.kind, 'direct');
  }
  assert.equal(
    chooseRoute(new URL('http://localhost:8088'), 'http://127.0.0.1:3128', { ...ctx, env: {} }).kind,
    'direct',
  );
});

test('a plain-http target is forwarded by a proxy on this machine', () => {
  const route = chooseRoute(new URL('http://splunk.lan:8088'), 'http://127.0.0.1:3128', { ...ctx, env: {} });
  assert.equal(route.kind, 'forward');
});

test('a named remote proxy for a plain-http target is a config error naming the field; from the environment it is ignored', () => {
  assert.throws(
    () => chooseRoute(new URL('http://splunk.lan:8088'), 'http://proxy.corp:3128', { ...ctx, env: {} }),
    (err: unknown) =>
      err instanceof ConfigError &&
      /^sinks\.splunk\.proxy: http:\/\/splunk\.lan:8088 is plain http .*the HEC token would reach it in clear/.test(
        err.message,
      ),
  );
  const route = chooseRoute(new URL('http://splunk.lan:8088'), undefined, {
    ...ctx,
    env: { HTTP_PROXY: 'http://proxy.corp:3128' },
  });
  assert.equal(route.kind, 'direct');
  assert.match(
    route.kind === 'direct' ? (route.note ?? '') : '',
    /HTTP_PROXY environment variable is ignored .*the HEC token would reach the proxy proxy\.corp:3128 in clear/,
  );
});

test('https goes through a CONNECT tunnel, to a remote proxy too', () => {
  const route = chooseRoute(new URL('https://splunk.lan:8088'), 'http://proxy.corp:3128', {
    ...ctx,
    env: {},
  });
  assert.equal(route.kind, 'tunnel');
});
