import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { networkInterfaces } from 'node:os';
import { makeCertificates, type Certificates } from '../../support/certs';
import { tempDir } from '../../support/forwarder';
import { DEFAULT_HEC_TOKEN, startHecReceiver, type HecReceiver } from '../../support/hec-receiver';
import { isCI } from '../../support/servers';
import { SQUID_INSTALL_HINT, squidAvailable, startSquid, type SquidProxy } from '../../support/squid';
import { withProxyEnv } from '../../support/proxy-env';
import { captureLogger, deliverAll, ids, makeRecords, makeSink } from './helpers';

/**
 * Issue #16: HEC refused every proxy, so behind a corporate egress proxy it could not be
 * reached at all. Through a real squid (Debian's, scripts/ci/proxy.sh), whose access log
 * says what it handled: https goes through CONNECT (TLS end to end, the token never in the
 * log), plain http is forwarded by a proxy on this machine, proxy credentials work, and a
 * proxy that refuses (407, 403) is reported as that, naming sinks.<name>.proxy.
 */
const available = squidAvailable();
const skip = available ? false : `squid is not installed: ${SQUID_INSTALL_HINT}`;
if (!available && isCI()) throw new Error(`squid is required under CI: ${SQUID_INSTALL_HINT}`);

const USER = 'forwarder';
const PASSWORD = 'proxy-password-for-tests';

/** An address of this machine that is not loopback: plain http to loopback is never proxied. */
function externalAddress(): string | undefined {
  for (const list of Object.values(networkInterfaces())) {
    const found = list?.find((a) => a.family === 'IPv4' && !a.internal);
    if (found) return found.address;
  }
  return undefined;
}

/** squid logs a CONNECT tunnel when it closes: wait for lines past `from`. */
async function linesAfter(squid: SquidProxy, from: number): Promise<string[]> {
  for (let i = 0; i < 60 && squid.requests().length === from; i++)
    await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, 200));
  return squid.requests().slice(from);
}

const withAuth = (proxy: SquidProxy, user: string, password: string): string => {
  const url = new URL(proxy.url);
  url.username = user;
  url.password = password;
  return url.href;
};

describe('HEC through a real squid', { skip, timeout: 60_000 }, () => {
  let certs: Certificates;
  let tlsReceiver: HecReceiver;
  let plainReceiver: HecReceiver | undefined;
  let open: SquidProxy;
  let authenticating: SquidProxy;
  let refusing: SquidProxy;
  const external = externalAddress();

  before(async () => {
    if (!available) return;
    certs = makeCertificates({ dir: tempDir('caf-hec-proxy-certs-') });
    tlsReceiver = await startHecReceiver({ tls: { certFile: certs.certFile, keyFile: certs.keyFile } });
    if (external) plainReceiver = await startHecReceiver({ host: external });
    open = await startSquid();
    authenticating = await startSquid({ users: { [USER]: PASSWORD } });
    refusing = await startSquid({ refuse: true });
  });

  after(async () => {
    if (!available) return;
    await Promise.all([open.stop(), authenticating.stop(), refusing.stop()]);
    await tlsReceiver.stop();
    await plainReceiver?.stop();
  });

  it('delivers over https through a CONNECT tunnel when proxy names squid: squid sees host and port, never the token', async () => {
    const from = open.requests().length;
    const sink = makeSink(tlsReceiver, { proxy: open.url, tls: { ca_file: certs.caFile } });
    await sink.start(new AbortController().signal);
    const records = makeRecords(20);
    assert.deepEqual(await deliverAll(sink, records), []);
    await sink.close();
    const seen = await linesAfter(open, from);
    const host = new URL(tlsReceiver.url).host;
    assert.ok(seen.length > 0, 'squid logged the tunnel');
    for (const line of seen) {
      assert.ok(line.startsWith(`CONNECT ${host} 200 `), `only CONNECT ${host}: ${line}`);
      assert.ok(!line.includes(DEFAULT_HEC_TOKEN), 'no token in what squid saw');
    }
    assert.deepEqual(tlsReceiver.eventIds().slice(-20), ids(records));
  });

  it('follows HTTPS_PROXY when proxy is absent, and ignores it with proxy: false', async () => {
    const from = open.requests().length;
    await withProxyEnv({ HTTPS_PROXY: open.url }, async () => {
      const sink = makeSink(tlsReceiver, { tls: { ca_file: certs.caFile } });
      await sink.start(new AbortController().signal);
      await sink.close();
    });
    const viaEnv = await linesAfter(open, from);
    assert.ok(
      viaEnv.some((l) => l.startsWith('CONNECT ')),
      'HTTPS_PROXY was followed',
    );

    const before = open.requests().length;
    await withProxyEnv({ HTTPS_PROXY: open.url }, async () => {
      const sink = makeSink(tlsReceiver, { proxy: false, tls: { ca_file: certs.caFile } });
      await sink.start(new AbortController().signal);
      await sink.close();
    });
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(open.requests().slice(before), [], 'proxy: false ignored HTTPS_PROXY');
  });

  it('has plain http forwarded by a proxy on this machine, and never proxies a loopback endpoint', async (t) => {
    if (!plainReceiver) return t.skip('this machine has no address but loopback');
    const from = open.requests().length;
    const sink = makeSink(plainReceiver, { proxy: open.url, allow_plaintext: true });
    await sink.start(new AbortController().signal);
    const records = makeRecords(10);
    assert.deepEqual(await deliverAll(sink, records), []);
    await sink.close();
    const seen = await linesAfter(open, from);
    assert.ok(
      seen.some((l) => l.startsWith(`POST ${plainReceiver!.url}/services/collector/event 200 `)),
      `squid forwarded the events: ${seen.join('\n')}`,
    );

    const loopback = await startHecReceiver();
    try {
      const before = open.requests().length;
      const direct = makeSink(loopback, { proxy: open.url });
      await direct.start(new AbortController().signal);
      assert.deepEqual(await deliverAll(direct, makeRecords(5)), []);
      await direct.close();
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(
        open.requests().slice(before),
        [],
        'the token for a loopback endpoint never went to the proxy',
      );
    } finally {
      await loopback.stop();
    }
  });

  it('authenticates to the proxy with the credentials in its URL', async () => {
    const from = authenticating.requests().length;
    const sink = makeSink(tlsReceiver, {
      proxy: withAuth(authenticating, USER, PASSWORD),
      tls: { ca_file: certs.caFile },
    });
    await sink.start(new AbortController().signal);
    assert.deepEqual(await deliverAll(sink, makeRecords(5)), []);
    await sink.close();
    const seen = await linesAfter(authenticating, from);
    assert.ok(
      seen.some((l) => l.startsWith(`CONNECT ${new URL(tlsReceiver.url).host} 200 `)),
      seen.join('\n'),
    );
  });

  it('reports a proxy that wants credentials (407) plainly, naming sinks.<name>.proxy and never the password', async () => {
    const logger = captureLogger();
    for (const proxy of [authenticating.url, withAuth(authenticating, USER, 'a-wrong-password')]) {
      const sink = makeSink(tlsReceiver, { proxy, tls: { ca_file: certs.caFile } }, logger);
      const err = await sink.start(new AbortController().signal).then(
        () => undefined,
        (e: Error) => e,
      );
      await sink.close();
      assert.match(
        err?.message ?? '',
        /the proxy http:\/\/127\.0\.0\.1:\d+ refused CONNECT 127\.0\.0\.1:\d+: 407 .*give the proxy's credentials in sinks\.splunk\.proxy/,
      );
      assert.ok(!(err?.message ?? '').includes('a-wrong-password'));
    }
    assert.ok(!logger.text().includes('a-wrong-password'), 'no password in the log');
  });

  it('reports a proxy that refuses (403) plainly, for a tunnel and for a forwarded request', async () => {
    const err = await makeSink(tlsReceiver, { proxy: refusing.url, tls: { ca_file: certs.caFile } })
      .start(new AbortController().signal)
      .then(
        () => undefined,
        (e: Error) => e,
      );
    assert.match(
      err?.message ?? '',
      /the proxy http:\/\/127\.0\.0\.1:\d+ refused CONNECT 127\.0\.0\.1:\d+: 403 .*\(the proxy comes from sinks\.splunk\.proxy\)/,
    );
    if (!plainReceiver) return;
    const forwarded = await makeSink(plainReceiver, { proxy: refusing.url, allow_plaintext: true })
      .start(new AbortController().signal)
      .then(
        () => undefined,
        (e: Error) => e,
      );
    assert.match(
      forwarded?.message ?? '',
      /the proxy http:\/\/127\.0\.0\.1:\d+ refused to forward the request: 403 .*sinks\.splunk\.proxy/,
    );
    assert.ok(
      refusing.requests().some((l) => / 403 /.test(l)),
      'squid logged its refusals',
    );
  });
});
