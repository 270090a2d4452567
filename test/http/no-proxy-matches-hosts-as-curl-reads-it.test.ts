import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseRoute, noProxyMatches } from '../../src/http/proxy';

/**
 * NO_PROXY as curl reads it: comma- or space-separated, `*` for everything, a name for itself
 * and its subdomains (leading dot optional), addresses and CIDR blocks for addresses only,
 * `:port` narrowing an entry; HTTPS_PROXY/HTTP_PROXY in either case, lowercase first.
 */
const url = (u: string): URL => new URL(u);

test('a name matches itself and its subdomains, with or without a leading dot, in any case', () => {
  for (const entry of ['example.com', '.example.com', 'EXAMPLE.com', '*.example.com']) {
    assert.ok(noProxyMatches(entry, url('https://example.com')), `${entry} matches example.com`);
    assert.ok(
      noProxyMatches(entry, url('https://splunk.eu.example.com:8088')),
      `${entry} matches a subdomain`,
    );
    assert.ok(
      !noProxyMatches(entry, url('https://notexample.com')),
      `${entry} does not match notexample.com`,
    );
  }
});

test('* matches everything; lists are split by commas and spaces', () => {
  assert.ok(noProxyMatches('*', url('https://api.anthropic.com')));
  assert.ok(noProxyMatches('internal.lan, api.anthropic.com', url('https://api.anthropic.com')));
  assert.ok(noProxyMatches('internal.lan api.anthropic.com', url('https://api.anthropic.com')));
  assert.ok(!noProxyMatches('', url('https://api.anthropic.com')));
  assert.ok(!noProxyMatches(undefined, url('https://api.anthropic.com')));
});

test('a port narrows an entry to that port (the default one when the URL has none)', () => {
  assert.ok(noProxyMatches('splunk.lan:8088', url('https://splunk.lan:8088')));
  assert.ok(!noProxyMatches('splunk.lan:8088', url('https://splunk.lan:443')));
  assert.ok(noProxyMatches('api.anthropic.com:443', url('https://api.anthropic.com')));
});

test('addresses and CIDR blocks match addresses, IPv4 and IPv6', () => {
  assert.ok(noProxyMatches('10.0.0.0/8', url('http://10.20.30.40:8088')));
  assert.ok(!noProxyMatches('10.0.0.0/8', url('http://11.0.0.1')));
  assert.ok(noProxyMatches('192.168.1.5', url('https://192.168.1.5')));
  assert.ok(noProxyMatches('fd00::/8', url('https://[fd00::2]:8088')));
  assert.ok(noProxyMatches('[::1]:8088', url('https://[::1]:8088')));
  assert.ok(!noProxyMatches('10.0.0.0/8', url('https://ten.example.com')));
});

test('the environment applies when proxy is absent: lowercase first, NO_PROXY honoured, ALL_PROXY as a fallback', () => {
  const ctx = { fieldPath: 'sinks.s', credential: 'the HEC token' };
  const target = url('https://splunk.example.com:8088');
  const route = chooseRoute(target, undefined, {
    ...ctx,
    env: { https_proxy: 'http://lower:3128', HTTPS_PROXY: 'http://upper:3128' },
  });
  assert.equal(route.kind === 'tunnel' && route.proxy.host, 'lower:3128');
  assert.equal(
    chooseRoute(target, undefined, { ...ctx, env: { HTTPS_PROXY: 'proxy.lan:3128' } }).kind,
    'tunnel',
    'a bare host:port is http://',
  );
  assert.equal(
    chooseRoute(target, undefined, { ...ctx, env: { ALL_PROXY: 'http://all:3128' } }).kind,
    'tunnel',
  );
  assert.equal(
    chooseRoute(target, undefined, {
      ...ctx,
      env: { HTTPS_PROXY: 'http://p:3128', NO_PROXY: '.example.com' },
    }).kind,
    'direct',
  );
  assert.equal(
    chooseRoute(target, false, { ...ctx, env: { HTTPS_PROXY: 'http://p:3128' } }).kind,
    'direct',
    'proxy: false ignores the environment',
  );
  assert.equal(
    chooseRoute(target, 'http://named:3128/', { ...ctx, env: { NO_PROXY: '*' } }).kind,
    'tunnel',
    'a named proxy is used as named',
  );
});
