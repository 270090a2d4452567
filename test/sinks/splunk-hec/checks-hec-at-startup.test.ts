import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_HEC_TOKEN, startHecReceiver, type HecReceiver } from '../../support/hec-receiver';
import { makeCertificates, type Certificates } from '../../support/certs';
import { skipIfMissing, startOrSkip } from '../../support/servers';
import { captureLogger, deliverAll, ids, makeRecords, makeSink } from './helpers';

/**
 * start() is where a wrong URL, token, TLS setting or ack setting must surface, as one
 * sentence naming the field to fix (and never the token itself).
 */
const TOKEN = 'f0e1d2c3-b4a5-4968-8776-655443322110';
const start = (sink: ReturnType<typeof makeSink>): Promise<void> => sink.start(new AbortController().signal);

describe('splunk_hec start-up check', () => {
  let receiver: HecReceiver;

  before(async () => {
    receiver = await startHecReceiver({ tokens: { [TOKEN]: {}, [DEFAULT_HEC_TOKEN]: { acks: true } } });
  });
  after(() => receiver.stop());

  it('passes against a healthy HEC without indexing anything', async () => {
    const logger = captureLogger();
    const before = receiver.events().length;
    await start(makeSink(receiver, { token: TOKEN }, logger));
    await start(makeSink(receiver, { indexer_acknowledgements: true }, logger));
    assert.equal(receiver.events().length, before);
    assert.equal(logger.count('info', /reachable and accepts the token/), 2);
  });

  it('names a bad token without printing it', async () => {
    const secret = '99999999-dead-4bee-8f00-000000000000';
    const err = await start(makeSink(receiver, { token: secret })).then(
      () => undefined,
      (e: Error) => e,
    );
    assert.ok(err);
    assert.match(
      err.message,
      /^Splunk HEC refused the token: .*does not know this HEC token; check sinks\.splunk\.token/,
    );
    assert.ok(!err.message.includes(secret));
  });

  it('says when the URL is not a HEC endpoint, or nothing listens there', async () => {
    const wrongPath = await start(makeSink(`${receiver.url}/not-hec`, { token: TOKEN })).then(
      () => undefined,
      (e: Error) => e,
    );
    assert.match(wrongPath?.message ?? '', /not a Splunk HEC endpoint; set sinks\.splunk\.endpoint/);

    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const refused = await start(makeSink(`http://127.0.0.1:${port}`, { token: TOKEN })).then(
      () => undefined,
      (e: Error) => e,
    );
    assert.match(
      refused?.message ?? '',
      /cannot reach Splunk HEC at http:\/\/127\.0\.0\.1:\d+.*ECONNREFUSED.*sinks\.splunk\.endpoint/,
    );
  });

  it('says when acknowledgements are configured but the token does not have them', async () => {
    const err = await start(makeSink(receiver, { token: TOKEN, indexer_acknowledgements: true })).then(
      () => undefined,
      (e: Error) => e,
    );
    assert.match(
      err?.message ?? '',
      /indexer acknowledgement is disabled for this token.*sinks\.splunk\.indexer_acknowledgements: false/,
    );
  });

  it('starts, with a warning, when HEC is reachable but reports itself unhealthy', async () => {
    receiver.faults.unhealthy = true;
    try {
      const logger = captureLogger();
      await start(makeSink(receiver, { token: TOKEN }, logger));
      assert.equal(logger.count('warn', /unhealthy at start-up/), 1);
    } finally {
      receiver.faults.unhealthy = false;
    }
  });
});

describe('splunk_hec over TLS', () => {
  let certs: Certificates | undefined;
  let dir: string;
  let tlsReceiver: HecReceiver | undefined;
  let mtlsReceiver: HecReceiver | undefined;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hec-tls-'));
    certs = await startOrSkip('openssl', 'install openssl (scripts/ci/splunk-hec.sh does)', async () =>
      makeCertificates({ dir, hosts: ['127.0.0.1', 'localhost'], clientCert: true }),
    );
    if (!certs) return;
    tlsReceiver = await startHecReceiver({
      tokens: { [TOKEN]: { acks: true } },
      tls: { certFile: certs.certFile, keyFile: certs.keyFile },
    });
    mtlsReceiver = await startHecReceiver({
      tokens: { [TOKEN]: { acks: true } },
      tls: {
        certFile: certs.certFile,
        keyFile: certs.keyFile,
        caFile: certs.caFile,
        requireClientCert: true,
      },
    });
  });
  after(async () => {
    await tlsReceiver?.stop();
    await mtlsReceiver?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('verifies the server against ca_file and delivers with acks and gzip', async (t) => {
    if (skipIfMissing(t, certs, 'openssl')) return;
    const sink = makeSink(tlsReceiver!, {
      token: TOKEN,
      indexer_acknowledgements: true,
      tls: { ca_file: certs!.caFile },
    });
    await start(sink);
    const records = makeRecords(50);
    assert.deepEqual(await deliverAll(sink, records), []);
    assert.deepEqual(tlsReceiver!.eventIds(), ids(records));
    await sink.close();
  });

  it('refuses a server certificate it cannot verify, saying which setting fixes it', async (t) => {
    if (skipIfMissing(t, certs, 'openssl')) return;
    for (const tls of [undefined, { ca_file: certs!.otherCaFile }]) {
      const err = await start(makeSink(tlsReceiver!, { token: TOKEN, tls })).then(
        () => undefined,
        (e: Error) => e,
      );
      assert.match(
        err?.message ?? '',
        /TLS with Splunk HEC at https:\/\/127\.0\.0\.1:\d+ .*its certificate is signed by a CA this process does not trust.*set sinks\.splunk\.tls\.ca_file/,
      );
    }
  });

  it('connects with verify: false only when asked, and warns about it', async (t) => {
    if (skipIfMissing(t, certs, 'openssl')) return;
    const logger = captureLogger();
    const sink = makeSink(tlsReceiver!, { token: TOKEN, tls: { verify: false } }, logger);
    await start(sink);
    assert.equal(logger.count('warn', /verification is OFF/), 1);
    await sink.close();
  });

  it('presents a client certificate for mutual TLS, and explains a refusal without one', async (t) => {
    if (skipIfMissing(t, certs, 'openssl')) return;
    const withCert = makeSink(mtlsReceiver!, {
      token: TOKEN,
      indexer_acknowledgements: true,
      tls: { ca_file: certs!.caFile, cert_file: certs!.clientCertFile, key_file: certs!.clientKeyFile },
    });
    await start(withCert);
    assert.deepEqual(await deliverAll(withCert, makeRecords(5)), []);
    await withCert.close();
    const withoutCert = makeSink(mtlsReceiver!, { token: TOKEN, tls: { ca_file: certs!.caFile } });
    const err = await start(withoutCert).then(
      () => undefined,
      (e: Error) => e,
    );
    // TLS 1.3 reports the refusal after the handshake, as an alert (or, racing it, a reset).
    assert.match(
      err?.message ?? '',
      /refused our client certificate.*sinks\.splunk\.tls\.cert_file|cannot reach Splunk HEC/,
    );
    await withoutCert.close();
  });

  it('explains an https endpoint pointed at a plain-http HEC', async () => {
    const plain = await startHecReceiver({ tokens: { [TOKEN]: {} } });
    try {
      const err = await start(makeSink(plain.url.replace('http:', 'https:'), { token: TOKEN })).then(
        () => undefined,
        (e: Error) => e,
      );
      assert.match(
        err?.message ?? '',
        /TLS with Splunk HEC at https:\/\/127\.0\.0\.1:\d+ .*does not speak TLS.*with an http:\/\/ address in sinks\.splunk\.endpoint/,
      );
    } finally {
      await plain.stop();
    }
  });
});
