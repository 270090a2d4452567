import { resolve } from 'node:path';
import type { ForwarderConfig } from '../config/schema';
import type { OutputFormat } from '../config/fields';
import { FileCheckpointStore } from '../checkpoint/file-store';
import { Checkpointer } from '../checkpoint/checkpointer';
import { createSource } from '../source/create-source';
import { AccessTransparencyLedger } from '../source/access-transparency/ledger';
import { resolveStartAt } from '../source/start-position';
import { serializeEvent } from '../normalize';
import { sinkFactory } from '../sinks/registry';
import { sinkPreview } from '../sinks/factory';
import type { PipelineRecord } from '../pipeline/record';
import { sinkRoutes, type SinkRoute } from '../routing/route';
import type { Privacy } from '../routing/privacy';
import type { Logger } from '../observability/logger';
import { writeEvents } from '../observability/guard';
import { AbortedError, ConfigError } from '../util/errors';

/**
 * `run --dry-run`: read what the next poll cycle would read, and print each activity as the
 * configured sinks would carry it, naming the sinks whose filters take it — to check
 * mappings and routing against a live tenant. Nothing is
 * delivered, and the checkpoint is only read, never written.
 */
export interface DryRunOptions {
  readonly logger: Logger;
  readonly signal: AbortSignal;
  /** Stop after printing this many activities (0: the whole window). */
  readonly limit: number;
  /** One format for every activity instead of each sink's own. */
  readonly format?: OutputFormat;
  readonly out?: NodeJS.WritableStream;
  readonly baseDir?: string;
}

export interface DryRunResult {
  readonly printed: number;
  readonly fetched: number;
  readonly from: string;
  readonly to: string;
}

/** One way of printing an activity, shared by the sinks that carry it that way. */
interface Rendering {
  readonly format: string;
  readonly sinks: string[];
  /** The sinks' privacy block (they share one), applied before rendering. */
  readonly privacy?: Privacy;
  readonly render: (record: PipelineRecord) => string;
}

/**
 * Each sink's own preview, grouped: sinks that carry the same payload (same format, same
 * privacy block) print it once. `format` prints every sink's in that one format.
 */
export function renderings(
  config: ForwarderConfig,
  format?: OutputFormat,
  routes: ReadonlyMap<string, SinkRoute> = sinkRoutes(config.sinks),
): Rendering[] {
  const groups = new Map<string, Rendering>();
  const privacyIds = new Map<Privacy, number>();
  for (const [name, sink] of Object.entries(config.sinks)) {
    const factory = sinkFactory(sink.type);
    if (!factory) throw new ConfigError(`unknown sink type "${sink.type}"`, `sinks.${name}.type`);
    const preview = format
      ? { format, render: (r: PipelineRecord) => serializeEvent(r, format) }
      : sinkPreview(factory, sink);
    const privacy = routes.get(name)?.privacy;
    if (privacy && !privacyIds.has(privacy)) privacyIds.set(privacy, privacyIds.size);
    const key = privacy ? `${preview.format} ${privacyIds.get(privacy)}` : preview.format;
    const existing = groups.get(key);
    if (existing) existing.sinks.push(name);
    else
      groups.set(key, { format: preview.format, sinks: [name], privacy, render: (r) => preview.render(r) });
  }
  return [...groups.values()];
}

/**
 * The lines printed for one activity: each rendering the sinks taking it print, naming
 * them. Plain text when one rendering serves every sink and no sink filters; a line with
 * no sinks when every filter leaves it out.
 */
function linesFor(
  record: PipelineRecord,
  ways: readonly Rendering[],
  routes: ReadonlyMap<string, SinkRoute>,
): string[] {
  const lines: string[] = [];
  for (const w of ways) {
    const takers = w.sinks.filter((s) => routes.get(s)?.accepts?.(record.activity) !== false);
    if (takers.length === 0) continue;
    const text = w.render(w.privacy ? w.privacy.view(record) : record);
    if (ways.length === 1 && routes.size === 0) {
      lines.push(text);
      continue;
    }
    let event: unknown = text;
    try {
      event = JSON.parse(text);
    } catch {
      // CEF / LEEF lines stay strings.
    }
    lines.push(JSON.stringify({ sinks: takers, format: w.format, event }));
  }
  if (lines.length === 0)
    lines.push(JSON.stringify({ sinks: [], id: record.activity.id, type: record.activity.type }));
  return lines;
}

function write(out: NodeJS.WritableStream, text: string): Promise<void> {
  return new Promise((resolveWrite, reject) => {
    writeEvents(out, text, (err) => (err ? reject(err) : resolveWrite()));
  });
}

export async function dryRun(config: ForwarderConfig, opts: DryRunOptions): Promise<DryRunResult> {
  const { logger } = opts;
  const baseDir = opts.baseDir ?? process.cwd();
  const out = opts.out ?? process.stdout;
  const src = config.source;
  const store = new FileCheckpointStore(resolve(baseDir, config.checkpoint.path), src.base_url);
  const state = (await store.load()) ?? Checkpointer.fresh(src.base_url, resolveStartAt(src.start_at));
  const committed = new Map<string, number>(state.seen);
  const ownRequests = new Set(state.own_request_ids);
  const routes = sinkRoutes(config.sinks);
  const ways = renderings(config, opts.format, routes);
  const stop = new AbortController();
  const signal = AbortSignal.any([opts.signal, stop.signal]);
  let printed = 0;
  let fetched = 0;
  let seq = 0;
  const { poller, governor } = createSource(src, {
    logger,
    baseDir,
    position: {
      start: state.start,
      watermark: () => state.watermark,
      committedIds: () => committed,
      isOwnRequest: (id) => ownRequests.has(id),
      accessTransparency: new AccessTransparencyLedger(state.access_transparency?.delivered),
    },
    pageSize: opts.limit > 0 ? opts.limit : undefined,
    onResponse: (_status, requestId) => {
      if (requestId) ownRequests.add(requestId);
    },
    emit: async (items) => {
      fetched += items.length;
      for (const item of items) {
        if (!item.deliver || stop.signal.aborted) continue;
        const record: PipelineRecord = { seq: ++seq, activity: item.activity, raw: item.raw };
        const lines = linesFor(record, ways, routes);
        await write(out, lines.join('\n') + '\n');
        printed++;
        if (opts.limit > 0 && printed >= opts.limit) stop.abort();
      }
    },
  });
  const window = poller.nextWindow(Date.now());
  logger.info('dry run: reading without delivering; the checkpoint is not written', {
    from: window.from,
    to: window.to,
    limit: opts.limit || 'none',
    formats: ways.map((w) => `${w.format} (${w.sinks.join(', ')})`),
  });
  try {
    await poller.runCycle(signal);
  } catch (err) {
    if (!(err instanceof AbortedError) || !stop.signal.aborted) throw err;
  } finally {
    await governor.stop();
  }
  logger.info('dry run done: nothing was delivered and the checkpoint is unchanged', { printed, fetched });
  return { printed, fetched, from: window.from, to: window.to };
}
