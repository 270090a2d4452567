import { join } from 'node:path';
import type { HecReceiver } from '../../support/hec-receiver';
import { DEFAULT_HEC_TOKEN } from '../../support/hec-receiver';
import { readJsonl, tempDir, writeConfig } from '../../support/forwarder';

/**
 * The set-up the isolation tests share: a Splunk HEC sink ("splunk") and a file sink
 * ("archive") fed by the simulator, with a short health.unhealthy_after so that a dead HEC is
 * detached within seconds.
 */
export interface HecAndFile {
  readonly dir: string;
  readonly config: string;
  readonly checkpointPath: string;
  /** Ids in the file sink, in the order written. */
  fileIds(opts?: { finished?: boolean }): string[];
}

export function hecAndFileConfig(opts: {
  readonly sim: { readonly url: string; readonly apiKey: string };
  readonly hec: HecReceiver;
  /** Fields over the source defaults (page_size 100, start_at 2h, lookback 30s, poll 500ms). */
  readonly source?: Readonly<Record<string, unknown>>;
  readonly pipeline?: Readonly<Record<string, unknown>>;
  /** The metrics section; default off (no fixed port). */
  readonly metrics?: Readonly<Record<string, unknown>>;
  readonly hecBatch?: Readonly<Record<string, unknown>>;
  /** The HEC sink's `filter:` / `privacy:` blocks. */
  readonly hecRouting?: Readonly<Record<string, unknown>>;
}): HecAndFile {
  const dir = tempDir('caf-isolation-');
  const file = join(dir, 'out.jsonl');
  const checkpointPath = join(dir, 'checkpoint.json');
  const config = writeConfig(dir, {
    source: {
      base_url: opts.sim.url,
      api_key: opts.sim.apiKey,
      page_size: 100,
      start_at: '2h',
      lookback: '30s',
      poll_interval: '500ms',
      max_requests_per_minute: 600,
      ...opts.source,
    },
    ...(opts.pipeline ? { pipeline: opts.pipeline } : {}),
    health: { unhealthy_after: '2s' },
    checkpoint: { path: checkpointPath },
    dead_letter: { path: join(dir, 'dead-letter.jsonl') },
    sinks: {
      splunk: {
        type: 'splunk_hec',
        endpoint: opts.hec.url,
        token: DEFAULT_HEC_TOKEN,
        format: 'raw',
        batch: { max_events: 50, timeout: '50ms', ...opts.hecBatch },
        retry: { initial_backoff: '100ms', max_backoff: '500ms' },
        ...opts.hecRouting,
      },
      archive: { type: 'file', path: file, format: 'raw' },
    },
    metrics: opts.metrics ?? { enabled: false },
    log: { level: 'info' },
  });
  return {
    dir,
    config,
    checkpointPath,
    fileIds: (opts: { finished?: boolean } = {}) => readJsonl<{ id: string }>(file, opts).map((a) => a.id),
  };
}
