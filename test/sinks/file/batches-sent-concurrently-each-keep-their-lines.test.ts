import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileSinkFactory } from '../../../src/sinks/file';
import { silentLogger } from '../../../src/observability/logger';
import { benchRecords, pump } from '../../support/sink-pump';

/**
 * `batch.concurrency` is a knob every sink accepts. For a file, batches that are sent at once
 * must still land one after the other: two appends that both start at the same end of the
 * file would write over each other, and both batches would be acknowledged.
 */
for (const concurrency of [1, 4, 16]) {
  test(`a file sink with batch.concurrency ${concurrency} keeps every line of every batch`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'caf-file-concurrency-'));
    try {
      const path = join(dir, 'events.jsonl');
      const config = fileSinkFactory.configSchema.parse({
        type: 'file',
        path,
        format: 'raw',
        batch: { max_events: 50, concurrency },
      });
      const sink = fileSinkFactory.create('archive', config, {
        logger: silentLogger,
        hostname: 'test',
        version: '0',
        baseDir: dir,
      });
      await sink.start(new AbortController().signal);
      const records = benchRecords(2000, 1);
      await pump(sink, records);
      await sink.close();
      const lines = readFileSync(path, 'utf8').split('\n');
      assert.equal(lines.pop(), '', 'the file ends with a newline');
      assert.equal(lines.length, records.length);
      const ids = new Set(lines.map((l) => (JSON.parse(l) as { id: string }).id));
      assert.equal(ids.size, records.length, 'every activity is in the file once');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
