import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSimulator } from '../../../src/simulator';
import { TEST_LOG_KEY } from '../../../src/simulator/log-key';
import type { CheckpointState } from '../../../src/checkpoint/state';
import { readJsonl, tempDir, writeConfig } from '../../support/forwarder';
import {
  eventually,
  scrape,
  startForwarder,
  type RunningForwarder,
} from '../../observability/support/scrape';

const P = 'claude_audit_forwarder_';

/** What a daemon left behind after its verifier found one rewritten leaf. */
export interface LeafFaultRun {
  /** The raw sink's lines, as written. */
  readonly rawLines: readonly string[];
  readonly ocsf: readonly Record<string, unknown>[];
  readonly checkpoint: CheckpointState;
  /** Every id the simulator's feed holds. */
  readonly feedIds: readonly string[];
  /** The id of the event whose leaf the log rewrote. */
  readonly rewrittenId: string;
  readonly failures: number;
}

/**
 * A daemon delivering a simulator backlog to two file sinks (raw, OCSF) while its verifier,
 * run once, finds the leaf at index 3 rewritten (`leaf_mismatch`). It is stopped with SIGTERM
 * once the finding is counted and the backlog delivered; the drain sends what it holds.
 */
export async function runWithRewrittenLeaf(findingEvents: boolean): Promise<LeafFaultRun> {
  const sim = await startSimulator({
    seed: 41,
    backlog: 120,
    staffAccessRate: 0.2,
    accessTransparency: { visibilityDelay: { lateRate: 0 } },
    selfEvents: false,
  });
  const dir = tempDir('caf-finding-event-');
  const checkpointPath = join(dir, 'checkpoint.json');
  const raw = join(dir, 'raw.jsonl');
  const ocsf = join(dir, 'ocsf.jsonl');
  let fwd: RunningForwarder | undefined;
  try {
    sim.setLogFaults({ rewrittenLeaf: 3 });
    const config = writeConfig(dir, {
      source: {
        base_url: sim.url,
        api_key: sim.apiKey,
        start_at: '48h',
        poll_interval: '1s',
        max_requests_per_minute: 600,
        access_transparency: {
          organization_uuid: sim.tenant.organizationUuid,
          trusted_keys: [TEST_LOG_KEY.fingerprint],
          verify_interval: '1h',
          finding_events: findingEvents,
        },
      },
      checkpoint: { path: checkpointPath },
      dead_letter: { path: join(dir, 'dead-letter.jsonl') },
      sinks: {
        raw: { type: 'file', path: raw, format: 'raw' },
        ocsf: { type: 'file', path: ocsf, format: 'ocsf' },
      },
      metrics: { listen: '127.0.0.1:0' },
      log: { level: 'info', format: 'json' },
    });
    const feedIds = sim.allIds();
    fwd = await startForwarder(['run', '-c', config]);
    const base = fwd.base;
    const m = await eventually(
      () => scrape(base),
      (s) =>
        s.count(`${P}transparency_log_verification_failures_total`) >= 1 &&
        s.count(`${P}delivered_total`, { sink: 'raw' }) >= feedIds.length,
      60_000,
      'the finding to be counted and the backlog delivered',
    );
    fwd.child.kill('SIGTERM');
    await fwd.exited;
    fwd = undefined;
    const rewritten = sim.allActivities().find((a) => a.transparency_log_leaf_index === 3);
    if (!rewritten) throw new Error('the backlog has no event at leaf index 3');
    return {
      rawLines: readFileSync(raw, 'utf8')
        .split('\n')
        .filter((l) => l.length > 0),
      ocsf: readJsonl(ocsf, { finished: true }),
      checkpoint: JSON.parse(readFileSync(checkpointPath, 'utf8')) as CheckpointState,
      feedIds,
      rewrittenId: rewritten.id,
      failures: m.count(`${P}transparency_log_verification_failures_total`),
    };
  } finally {
    fwd?.child.kill('SIGKILL');
    await sim.close();
  }
}
