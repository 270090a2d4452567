import { resolve } from 'node:path';
import { Command } from 'commander';
import { loadConfig } from '../config/load';
import { FileCheckpointStore } from '../checkpoint/file-store';
import type { CheckpointState, CycleRecord } from '../checkpoint/state';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, reportError } from './exit';
import { DEFAULT_CONFIG_PATH } from './paths';

/** `checkpoint show|reset`: the completeness evidence, and a deliberate start-over. */
export function checkpointCommand(): Command {
  const cmd = new Command('checkpoint').description('show or reset the checkpoint');
  cmd
    .command('show')
    .description('print the position, totals and the latest completeness records')
    .option('-c, --config <file>', 'config file', DEFAULT_CONFIG_PATH)
    .option('--json', 'print the whole checkpoint summary as JSON')
    .option('-n, --last <n>', 'how many poll-cycle records to show', '10')
    .action(async (opts: { config: string; json?: boolean; last: string }) => {
      try {
        const { config } = loadConfig(opts.config);
        const store = new FileCheckpointStore(resolve(config.checkpoint.path), config.source.base_url);
        const state = await store.load();
        if (!state) {
          process.stdout.write(
            `no checkpoint at ${store.location} yet (the first run starts at source.start_at = ${config.source.start_at})\n`,
          );
          process.exitCode = EXIT_OK;
          return;
        }
        const last = Math.max(1, Number(opts.last) || 10);
        process.stdout.write(
          opts.json
            ? JSON.stringify(summary(state, store.location, last, Object.keys(config.sinks)), null, 2) + '\n'
            : renderTable(state, store.location, last, Object.keys(config.sinks)),
        );
        process.exitCode = EXIT_OK;
      } catch (err) {
        process.exitCode = reportError(err);
      }
    });
  cmd
    .command('reset')
    .description('delete the checkpoint: the next run starts again at source.start_at')
    .option('-c, --config <file>', 'config file', DEFAULT_CONFIG_PATH)
    .option('--yes', 'really delete it')
    .action(async (opts: { config: string; yes?: boolean }) => {
      try {
        const { config } = loadConfig(opts.config);
        const path = resolve(config.checkpoint.path);
        if (!opts.yes) {
          process.stderr.write(
            `this deletes ${path}; the next run re-reads from source.start_at (${config.source.start_at}) and may deliver activities again. Repeat with --yes to do it.\n`,
          );
          process.exitCode = EXIT_USAGE;
          return;
        }
        // A raw delete: a corrupt or foreign checkpoint must be resettable too.
        const removed = await new FileCheckpointStore(path, config.source.base_url).reset();
        process.stdout.write(removed ? `deleted ${path}\n` : `no checkpoint at ${path}\n`);
        process.exitCode = EXIT_OK;
      } catch (err) {
        process.exitCode = reportError(err) || EXIT_FAILURE;
      }
    });
  return cmd;
}

/** Each configured sink's position: the main one while attached, its own while detached. */
function sinkPositions(state: CheckpointState, sinkNames: readonly string[]) {
  const lanes = state.sinks ?? {};
  const names = [...new Set([...sinkNames, ...Object.keys(lanes)])];
  return Object.fromEntries(
    names.map((name) => {
      const lane = lanes[name];
      if (!lane) return [name, { state: 'attached', watermark: state.watermark }];
      return [
        name,
        {
          state: lane.state,
          watermark: lane.watermark,
          since: lane.since,
          reason: lane.reason,
          caught_up: lane.delivered,
          catch_up_cycles: lane.cycles,
          last_catch_up_cycle: lane.last_cycle,
          owed_late_access_transparency: lane.owed_late?.length ?? 0,
          ...(sinkNames.includes(name) ? {} : { configured: false }),
        },
      ];
    }),
  );
}

function sinkLines(state: CheckpointState, sinkNames: readonly string[]): string[] {
  return Object.entries(sinkPositions(state, sinkNames)).map(([name, p]) => {
    if (p.state === 'attached') return `  ${name}: attached, at the main position`;
    const lane = state.sinks?.[name];
    const cycle = lane?.last_cycle ? `; last catch-up cycle read to ${lane.last_cycle.to}` : '';
    const owed = lane?.owed_late?.length
      ? `; owed ${lane.owed_late.length} late Access Transparency rows`
      : '';
    return `  ${name}: ${p.state} since ${lane?.since} (${lane?.reason}); has everything up to ${p.watermark ?? '(nothing yet)'}; ${lane?.delivered ?? 0} re-read for it${cycle}${owed}`;
  });
}

function summary(state: CheckpointState, path: string, last: number, sinkNames: readonly string[]) {
  return {
    path,
    source: state.source,
    created_at: state.created_at,
    updated_at: state.updated_at,
    start: state.start,
    watermark: state.watermark,
    totals: state.totals,
    sha256: state.sha256,
    seen_ids_in_lookback: state.seen.length,
    sinks: sinkPositions(state, sinkNames),
    access_transparency: lateLaneSummary(state),
    transparency_log: transparencyLogSummary(state),
    recording: state.recording ?? { api_enabled: true, logging_enabled: true, as_of: null, gaps: [] },
    history: state.history.slice(-last),
  };
}

function lateLaneSummary(state: CheckpointState) {
  const lane = state.access_transparency;
  return {
    filter: lane?.filter ?? null,
    sweeps: lane?.sweeps ?? 0,
    found_late: lane?.found_late ?? 0,
    delivered_in_window: lane?.delivered.length ?? 0,
    last_sweep: lane?.last_sweep ?? null,
  };
}

/** The verifier's evidence: the last verified checkpoint (its note, as signed), counts, findings. */
function transparencyLogSummary(state: CheckpointState) {
  const t = state.transparency_log;
  if (!t) return null;
  return {
    verified_checkpoint: t.checkpoint,
    verified_size: t.size,
    verified_root: t.root,
    verified_at: t.verified_at,
    verified_events: t.verified_events,
    pending: t.pending.length,
    committed_not_served: t.unserved.length,
    findings: t.findings,
    last_run: t.last_run,
  };
}

function transparencyLogLine(state: CheckpointState): string {
  const t = state.transparency_log;
  if (!t?.last_run) return 'not verified yet';
  const findings = Object.entries(t.findings)
    .map(([reason, n]) => `${reason} ${n}`)
    .join(', ');
  return `last run ${t.last_run.finished_at}: ${t.last_run.outcome}; verified size ${t.size} (root ${t.root ?? '-'}, at ${t.verified_at ?? '-'}), ${t.verified_events} events proven, ${t.pending.length} pending, ${t.unserved.length} committed not served; findings: ${findings || 'none'}`;
}

/** The recording gaps, said plainly: they are holes in the trail no forwarder can fill. */
function recordingLines(state: CheckpointState): string[] {
  const gaps = state.recording?.gaps ?? [];
  if (gaps.length === 0) return [];
  return [
    'RECORDING GAPS: the Compliance API was switched off; nothing in these spans was recorded and it can never be recovered',
    ...gaps.map(
      (g) =>
        `  from ${g.from} to ${g.to ?? 'now (still off)'}   switched off by ${g.switched_off_by} (${g.off_activity_id})`,
    ),
    '',
  ];
}

function lateLaneLine(state: CheckpointState): string {
  const l = lateLaneSummary(state);
  if (!l.last_sweep) return 'Access Transparency: no sweep yet';
  const s = l.last_sweep;
  return `Access Transparency: sweeps ${l.sweeps}, found late ${l.found_late}; last sweep ${s.finished_at} over [${s.from}, ${s.to}), filter ${s.filter}, requests ${s.requests}, found ${s.found}`;
}

function renderTable(
  state: CheckpointState,
  path: string,
  last: number,
  sinkNames: readonly string[],
): string {
  const lines = [
    `checkpoint   ${path}`,
    `source       ${state.source.base_url}`,
    `started at   ${state.start}   (checkpoint created ${state.created_at}, updated ${state.updated_at})`,
    `watermark    ${state.watermark ?? '(nothing committed yet)'}`,
    `totals       ${state.totals.delivered} delivered, ${state.totals.dead_lettered} dead-lettered, ${state.totals.cycles} poll cycles`,
    `sha256       ${state.sha256}`,
    `late lane    ${lateLaneLine(state)}`,
    `log verified ${transparencyLogLine(state)}`,
    'sinks',
    ...sinkLines(state, sinkNames),
    '',
    ...recordingLines(state),
  ];
  const rows = state.history.slice(-last);
  if (rows.length === 0) return lines.concat('(no completed poll cycles yet)', '').join('\n');
  const header = [
    'cycle',
    'finished',
    'window from',
    'window to',
    'pages',
    'fetched',
    'delivered',
    'dupes',
    'late',
    'last request-id',
    'sha256',
  ];
  const cells = rows.map((r: CycleRecord) => [
    String(r.cycle),
    r.finished_at,
    r.from,
    r.to,
    String(r.pages),
    String(r.fetched),
    String(r.delivered),
    String(r.duplicates_suppressed),
    String(r.late_caught),
    r.last_request_id ?? '-',
    r.sha256.slice(0, 16),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const fmt = (c: string[]) =>
    c
      .map((v, i) => v.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return lines.concat(fmt(header), fmt(widths.map((w) => '-'.repeat(w))), ...cells.map(fmt), '').join('\n');
}
