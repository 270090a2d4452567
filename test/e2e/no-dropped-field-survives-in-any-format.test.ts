import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { startSimulator } from '../../src/simulator';
import type { Activity } from '../../src/source/activity';
import { DEFAULT_HEC_TOKEN, startHecReceiver } from '../support/hec-receiver';
import { readTopics } from '../support/kafka-broker';
import { runCli, tempDir, writeConfig } from '../support/forwarder';
import { startBrokerOrSkip } from '../sinks/kafka/helpers';
import { everyTypeActivities } from './support/every-type';

const KEY = 'pseudonym-key-for-the-privacy-test';
const pseudonym = (value: string): string => createHmac('sha256', KEY).update(value, 'utf8').digest('hex');

/** A TCP listener that keeps every byte it is sent (a syslog receiver that parses nothing). */
async function byteSink(): Promise<{ server: Server; port: number; bytes: () => Buffer }> {
  const chunks: Buffer[] = [];
  const server = createServer((socket) => socket.on('data', (c: Buffer) => chunks.push(c)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return { server, port: address.port, bytes: () => Buffer.concat(chunks) };
}

/** Values planted in every activity: the dropped ones, and the ones to pseudonymize. */
function plant(i: number, a: Activity): Activity {
  return {
    ...a,
    request_body: { text: `DROPPED-BODY-${i}`, parts: [`DROPPED-PART-${i}`] },
    actor: {
      ...a.actor,
      user_agent: `DROPPED-UA-${i}`,
      email_address: `hidden.person${i}@pseudo.example`,
      ip_address: `198.18.${Math.floor(i / 250)}.${i % 250}`,
    },
  };
}

/**
 * Every sink type and format, one privacy block each: raw, OCSF and ECS files, syslog
 * RFC 5424 (structured data), CEF and LEEF, Splunk HEC (with its `fields`) and Kafka
 * (value, key and headers). Every byte each destination received is searched for the
 * dropped and the pseudonymized values; the pseudonyms themselves are there.
 */
test('no dropped or pseudonymized value survives in any byte any sink writes, in any format', async (t) => {
  const createdAt = new Date(Date.now() - 30 * 60_000);
  const activities = everyTypeActivities(301, createdAt, plant);
  const sim = await startSimulator({ seed: 301, rateLimit: false, selfEvents: false, staffAccessRate: 0 });
  sim.append(activities, { createdAt });
  const hec = await startHecReceiver({ keepBodies: true });
  const syslog = { rfc5424: await byteSink(), cef: await byteSink(), leef: await byteSink() };
  const broker = await startBrokerOrSkip();
  t.diagnostic(broker ? 'Kafka: a real broker' : 'Kafka: no broker here, its part is skipped');
  const dir = tempDir('caf-privacy-');
  try {
    const privacy = {
      drop_fields: ['request_body', 'actor.user_agent'],
      pseudonymize_fields: ['actor.email_address', 'actor.ip_address'],
      pseudonymize_key: KEY,
    };
    const file = (format: string) => join(dir, `${format}.jsonl`);
    const sinks: Record<string, unknown> = {
      ...Object.fromEntries(
        ['raw', 'ocsf', 'ecs'].map((format) => [
          `file_${format}`,
          { type: 'file', path: file(format), format, privacy },
        ]),
      ),
      ...Object.fromEntries(
        Object.entries(syslog).map(([format, s]) => [
          `syslog_${format}`,
          {
            type: 'syslog',
            address: `127.0.0.1:${s.port}`,
            transport: 'tcp',
            format,
            ack_delay: '0s',
            privacy,
          },
        ]),
      ),
      hec: { type: 'splunk_hec', endpoint: hec.url, token: DEFAULT_HEC_TOKEN, format: 'raw', privacy },
    };
    if (broker) {
      await broker.createTopic('private-audit', { partitions: 1 });
      sinks.kafka = {
        type: 'kafka',
        brokers: [broker.plaintext],
        topic: 'private-audit',
        format: 'ecs',
        privacy,
      };
    }
    const config = writeConfig(dir, {
      source: {
        base_url: sim.url,
        api_key: sim.apiKey,
        page_size: 500,
        start_at: '2h',
        max_requests_per_minute: 600,
      },
      checkpoint: { path: join(dir, 'checkpoint.json') },
      dead_letter: { path: join(dir, 'dead-letter.jsonl') },
      sinks,
      metrics: { enabled: false },
      log: { level: 'warn' },
    });
    const r = await runCli(['run', '--once', '-c', config], { timeoutMs: 180_000 });
    assert.equal(r.code, 0, r.stderr.slice(-2000));

    const written: Record<string, Buffer> = {
      ...Object.fromEntries(['raw', 'ocsf', 'ecs'].map((f) => [`file_${f}`, readFileSync(file(f))])),
      ...Object.fromEntries(Object.entries(syslog).map(([f, s]) => [`syslog_${f}`, s.bytes()])),
      hec: Buffer.concat(hec.bodies),
    };
    if (broker) {
      const messages = await readTopics(broker.plaintext, ['private-audit']);
      assert.equal(messages.length, activities.length);
      written.kafka = Buffer.from(
        messages.map((m) => `${m.key}\n${JSON.stringify(m.headers)}\n${m.value}`).join('\n'),
      );
    }
    for (const [sink, bytes] of Object.entries(written)) {
      const text = bytes.toString('utf8');
      assert.ok(text.length > activities.length * 100, `${sink} received the activities`);
      for (const planted of ['DROPPED-', 'hidden.person', '198.18.'])
        assert.ok(!text.includes(planted), `${sink}: "${planted}…" is gone from every byte`);
      // Escaped forms would hide the values from a plain search: none may be there either.
      assert.ok(!/DROPPED|hidden\\u002eperson|198\\u002e18/i.test(text.replace(/\\u00([0-9a-f]{2})/gi, '')));
    }
    const raw = readFileSync(file('raw'), 'utf8');
    const ocsf = readFileSync(file('ocsf'), 'utf8');
    for (const a of activities) {
      const hidden = pseudonym(String(a.actor.email_address));
      assert.ok(raw.includes(`"email_address":"${hidden}"`), `raw carries the pseudonym of ${a.id}`);
      assert.ok(ocsf.includes(hidden), `OCSF carries the pseudonym of ${a.id}`);
      assert.ok(raw.includes(pseudonym(String(a.actor.ip_address))));
    }
  } finally {
    await broker?.destroy();
    await hec.stop();
    for (const s of Object.values(syslog)) s.server.close();
    await sim.close();
  }
});
