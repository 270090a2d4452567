import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Pipeline } from '../../src/pipeline/pipeline';
import { DeadLetterFile } from '../../src/pipeline/dead-letter';
import type { PipelineRecord } from '../../src/pipeline/record';
import type { EncodedRecord, SendResult, Sink } from '../../src/sinks/sink';
import { SinkStats } from '../../src/sinks/runtime/stats';
import type { OutputFormat } from '../../src/config/fields';
import { serializeEvent } from '../../src/normalize';
import { makeRandomActivity } from '../../src/simulator/generate';
import { silentLogger } from '../../src/observability/logger';
import { tempDir } from '../support/forwarder';

interface Text extends EncodedRecord {
  readonly text: string;
}

class FormatSink implements Sink<Text> {
  readonly type = 'test';
  readonly batch = { maxEvents: 1000, maxBytes: 1 << 24, timeoutMs: 1, concurrency: 1 };
  readonly got: string[] = [];
  constructor(
    readonly name: string,
    private readonly format: OutputFormat,
  ) {}
  async start(): Promise<void> {}
  encode(record: PipelineRecord): Text {
    const text = serializeEvent(record, this.format);
    this.got.push(text);
    return { record, text, size: text.length };
  }
  async send(): Promise<SendResult<Text>> {
    return { rejected: [] };
  }
  readonly stats = new SinkStats();
  health() {
    return { healthy: true };
  }
  async close(): Promise<void> {}
}

/**
 * Three sinks in OCSF and one in ECS: each activity is normalized and serialized once per
 * format, not once per sink (the work is most of a record's cost), and every sink still
 * gets exactly the text its format calls for. Records keep no serialized copy afterwards.
 */
test('sinks sharing a format get one serialization of each activity, and the right text for theirs', async () => {
  const activities = Array.from({ length: 50 }, (_, i) => makeRandomActivity(i));
  const items = activities.map((a) => ({ activity: a, raw: JSON.stringify(a), deliver: true }));
  const sinks = [
    new FormatSink('a', 'ocsf'),
    new FormatSink('b', 'ocsf'),
    new FormatSink('c', 'ocsf'),
    new FormatSink('d', 'ecs'),
  ];
  const committed: PipelineRecord[] = [];
  const pipeline = new Pipeline({
    sinks,
    maxBufferedEvents: 1000,
    deadLetter: new DeadLetterFile(join(tempDir(), 'dead.jsonl')),
    logger: silentLogger,
    onCommit: (records) => committed.push(...records),
  });
  const stringify = JSON.stringify;
  let calls = 0;
  JSON.stringify = ((...args: Parameters<typeof stringify>) => {
    calls++;
    return stringify(...args);
  }) as typeof JSON.stringify;
  try {
    await pipeline.start(new AbortController().signal);
    await pipeline.push(items);
    JSON.stringify = stringify;
    assert.equal(calls, 2 * activities.length, 'one OCSF and one ECS serialization per activity');
    await pipeline.whenIdle();
    // ECS's event.created is when the forwarder processed the activity: not compared.
    const withoutProcessingTime = (text: string) => {
      const doc = JSON.parse(text) as { event?: { created?: string } };
      delete doc.event?.created;
      return doc;
    };
    for (const [i, a] of activities.entries()) {
      const record: PipelineRecord = { seq: i + 1, activity: a, raw: items[i].raw };
      for (const sink of sinks.slice(0, 3)) assert.equal(sink.got[i], serializeEvent(record, 'ocsf'));
      assert.deepEqual(
        withoutProcessingTime(sinks[3].got[i]),
        withoutProcessingTime(serializeEvent(record, 'ecs')),
      );
    }
    assert.ok(
      committed.every((r) => r.serialized === undefined),
      'no record keeps a serialized copy',
    );
  } finally {
    JSON.stringify = stringify;
    await pipeline.close();
  }
});
