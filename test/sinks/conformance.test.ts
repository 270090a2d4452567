import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { SINK_FACTORIES } from '../../src/sinks/registry';
import type { SinkFactory } from '../../src/sinks/factory';
import type { Sink, SinkContext } from '../../src/sinks/sink';
import { Pipeline, SinkStartError } from '../../src/pipeline/pipeline';
import { DeadLetterFile } from '../../src/pipeline/dead-letter';
import type { PipelineRecord } from '../../src/pipeline/record';
import type { Activity } from '../../src/source/activity';
import { makeRandomActivity } from '../../src/simulator/generate';
import { captureLogger } from './splunk-hec/helpers';
import { readJsonl, tempDir, waitFor } from '../support/forwarder';
import { ForwarderMetrics } from '../../src/observability/metrics';
import { Checkpointer } from '../../src/checkpoint/checkpointer';
import { HARNESSES } from './conformance/index';
import { isNever, type Destination } from './conformance/harness';

/**
 * Every registered sink type, driven through the real pipeline against its real destination
 * (or a strict receiver), shows the same runtime behaviour: it starts, delivers and is
 * acknowledged only for what the destination holds; a record refused for good goes to the
 * dead-letter file with the reason; a transient failure is retried until delivered, with
 * health false meanwhile and true after; the shared stats count it all; close leaves
 * everything delivered; and a start-up error names `sinks.<name>` exactly once.
 *
 * A sink type without a harness in conformance/index.ts fails here.
 */

const NAME = 'conf';
const WAIT_MS = 60_000;

let seq = 0;
function activities(type: string, count: number): Activity[] {
  return Array.from({ length: count }, () => {
    seq++;
    return { ...makeRandomActivity(seq), id: `activity_conf_${type}_${String(seq).padStart(6, '0')}` };
  });
}

interface Run {
  readonly sink: Sink;
  readonly pipeline: Pipeline;
  readonly committed: Set<string>;
  readonly deadLetterPath: string;
  readonly logger: ReturnType<typeof captureLogger>;
}

function build(
  factory: SinkFactory,
  dest: Destination,
  config: Record<string, unknown>,
  dir: string,
  useHarnessBuild: boolean,
): Run {
  const logger = captureLogger();
  const ctx: SinkContext = { logger, hostname: 'conformance-host', version: '0.0.0-test', baseDir: dir };
  const sink =
    useHarnessBuild && dest.build
      ? dest.build(NAME, ctx)
      : factory.create(NAME, factory.configSchema.parse(config), ctx);
  const committed = new Set<string>();
  const deadLetterPath = join(dir, `dead-letter-${seq}.jsonl`);
  const pipeline = new Pipeline({
    sinks: [sink],
    maxBufferedEvents: 10_000,
    deadLetter: new DeadLetterFile(deadLetterPath),
    logger,
    onCommit: (records: PipelineRecord[]) => records.forEach((r) => committed.add(r.activity.id)),
  });
  return { sink, pipeline, committed, deadLetterPath, logger };
}

async function deliver(run: Run, batch: readonly Activity[]): Promise<void> {
  await run.pipeline.push(
    batch.map((activity) => ({ activity, raw: JSON.stringify(activity), deliver: true })),
  );
  assert.ok(await run.pipeline.drain(WAIT_MS), 'everything pushed is acknowledged in time');
}

async function holds(dest: Destination, ids: readonly string[]): Promise<void> {
  let missing: string[] = [];
  await waitFor(
    async () => {
      const got = new Set(await dest.received());
      missing = ids.filter((id) => !got.has(id));
      return missing.length === 0;
    },
    WAIT_MS,
    'the destination to hold every acknowledged activity',
  ).catch((err: unknown) => {
    throw new Error(
      `${(err as Error).message}; missing ${missing.length}: ${missing.slice(0, 3).join(', ')}`,
    );
  });
}

/** The sink's lines of /metrics, read through the Sink contract as the forwarder reads them. */
async function metricsOf(run: Run): Promise<string> {
  const metrics = new ForwarderMetrics({ version: '0.0.0-test', processMetrics: false });
  metrics.attach({
    governor: { state: { pausedUntil: 0 } },
    pipeline: { buffered: 0, workerStats: () => [], health: () => run.pipeline.health(), sinks: [run.sink] },
    checkpointer: {
      watermark: null,
      saveError: undefined,
      current: Checkpointer.fresh('http://x', new Date().toISOString()),
    },
    sourceError: undefined,
  });
  return metrics.text();
}

const registered = SINK_FACTORIES as readonly SinkFactory[];

for (const factory of registered) {
  const harness = HARNESSES.find((h) => h.type === factory.type);

  describe(`sink type ${factory.type} conforms to the sink runtime`, () => {
    const dir = tempDir(`caf-conformance-${factory.type}-`);
    let dest: Destination | undefined;
    let run: Run | undefined;

    before(async () => {
      if (harness) dest = await harness.setUp(dir);
    });
    after(async () => {
      await run?.pipeline.close().catch(() => undefined);
      await dest?.dispose();
      rmSync(dir, { recursive: true, force: true });
    });

    /** The destination, or a skip (outside CI) when its server is not installed. */
    function destination(t: { skip(message: string): void }): Destination | undefined {
      assert.ok(
        harness,
        `no conformance harness for sink type "${factory.type}": add one to test/sinks/conformance/ and list it in HARNESSES`,
      );
      if (!dest) t.skip(`${factory.type}: destination unavailable (see the SKIPPING line above)`);
      return dest;
    }

    it('has a harness for its destination', () => {
      assert.ok(
        harness,
        `no conformance harness for sink type "${factory.type}": add one to test/sinks/conformance/ and list it in HARNESSES`,
      );
    });

    it('starts, delivers, and acknowledges what the destination holds; stats count requests and bytes', async (t) => {
      const d = destination(t);
      if (!d) return;
      run = build(factory, d, d.config, dir, true);
      await run.pipeline.start(AbortSignal.timeout(WAIT_MS));
      const batch = activities(factory.type, 50);
      await deliver(run, batch);
      const ids = batch.map((a) => a.id);
      assert.deepEqual(
        ids.filter((id) => !run!.committed.has(id)),
        [],
        'every activity acknowledged',
      );
      await holds(d, ids);
      assert.deepEqual(run.sink.health(), { healthy: true });
      assert.ok(run.sink.stats.requests.ok >= 1, `requests ok: ${JSON.stringify(run.sink.stats.requests)}`);
      assert.equal(run.sink.stats.requests.retried, 0);
      assert.ok(run.sink.stats.sentBytes > 0, 'bytes sent are counted');
      const text = await metricsOf(run);
      const series = (name: string, labels: string): number =>
        Number(
          new RegExp(`^claude_audit_forwarder_${name}\\{${labels}\\} (\\S+)$`, 'm').exec(text)?.[1] ?? 0,
        );
      assert.equal(
        series('sink_requests_total', `sink="${NAME}",outcome="ok"`),
        run.sink.stats.requests.ok,
        '/metrics shows the requests',
      );
      assert.equal(
        series('sink_sent_bytes_total', `sink="${NAME}"`),
        run.sink.stats.sentBytes,
        '/metrics shows the bytes',
      );
    });

    it('sends a record refused for good to the dead-letter file with the reason, and delivers the rest', async (t) => {
      const d = destination(t);
      if (!d || !run) return;
      if (isNever(d.refusal)) return t.skip(d.refusal.never);
      const batch = activities(factory.type, 10);
      batch[4] = d.refusal.make(batch[4]);
      const refusedId = batch[4].id;
      const rejectedBefore = run.sink.stats.requests.rejected;
      await deliver(run, batch);
      const letters = readJsonl<{ activity_id: string; reason: string; sink: string }>(run.deadLetterPath);
      assert.deepEqual(
        letters.map((l) => l.activity_id),
        [refusedId],
        'the refused record alone is dead-lettered',
      );
      assert.match(letters[0].reason, d.refusal.reason);
      assert.equal(letters[0].sink, NAME);
      await holds(
        d,
        batch.filter((a) => a.id !== refusedId).map((a) => a.id),
      );
      assert.ok(
        run.committed.has(refusedId),
        'a dead-lettered record is acknowledged (it is durable in the dead-letter file)',
      );
      if (d.refusal.by === 'destination')
        assert.ok(
          run.sink.stats.requests.rejected > rejectedBefore,
          'the refused request is counted as rejected',
        );
      else
        assert.equal(
          run.sink.stats.requests.rejected,
          rejectedBefore,
          'a record refused by encoding never reaches the destination',
        );
      assert.deepEqual(run.sink.health(), { healthy: true }, 'refused data is not a sink failure');
    });

    it('retries a transient failure until delivered; health goes false with a detail, then true', async (t) => {
      const d = destination(t);
      if (!d || !run) return;
      const r = run;
      const retriesBefore = r.sink.stats.retries;
      await d.breakTransiently();
      const batch = activities(factory.type, 20);
      const pushed = r.pipeline.push(
        batch.map((activity) => ({ activity, raw: JSON.stringify(activity), deliver: true })),
      );
      r.pipeline.sendQueued();
      try {
        await waitFor(() => !r.sink.health().healthy, WAIT_MS, 'health to turn false');
        const health = r.sink.health();
        assert.equal(typeof health.detail, 'string');
        assert.ok((health.detail ?? '').length > 0, 'an operator is told why');
        assert.equal(
          batch.filter((a) => r.committed.has(a.id)).length,
          0,
          'nothing is acknowledged while the destination fails',
        );
      } finally {
        await d.recover();
      }
      await pushed;
      assert.ok(await r.pipeline.drain(WAIT_MS), 'delivered once the destination is back');
      await holds(
        d,
        batch.map((a) => a.id),
      );
      assert.deepEqual(r.sink.health(), { healthy: true });
      assert.ok(r.sink.stats.retries > retriesBefore, 'retries are counted');
      assert.ok(
        (await metricsOf(r)).includes(
          `claude_audit_forwarder_sink_retries_total{sink="${NAME}"} ${r.sink.stats.retries}`,
        ),
        '/metrics shows the retries',
      );
    });

    it('close leaves everything acknowledged at the destination', async (t) => {
      const d = destination(t);
      if (!d || !run) return;
      const batch = activities(factory.type, 30);
      await run.pipeline.push(
        batch.map((activity) => ({ activity, raw: JSON.stringify(activity), deliver: true })),
      );
      assert.ok(await run.pipeline.drain(WAIT_MS));
      await run.pipeline.close();
      run = undefined;
      await holds(
        d,
        batch.map((a) => a.id),
      );
    });

    it('a start-up failure names sinks.<name> exactly once', async (t) => {
      const d = destination(t);
      if (!d) return;
      if (isNever(d.brokenConfig)) return t.skip(d.brokenConfig.never);
      const broken = build(factory, d, d.brokenConfig, dir, false);
      try {
        await assert.rejects(broken.pipeline.start(AbortSignal.timeout(WAIT_MS)), (err: unknown) => {
          assert.ok(err instanceof SinkStartError, String(err));
          assert.ok(err.message.startsWith(`sinks.${NAME} (${factory.type}): `), err.message);
          const prefixes = err.message.match(new RegExp(`sinks\\.${NAME}(?=[ :(])`, 'g')) ?? [];
          assert.equal(prefixes.length, 1, `one prefix: ${err.message}`);
          return true;
        });
      } finally {
        await broken.pipeline.close().catch(() => undefined);
      }
    });
  });
}
