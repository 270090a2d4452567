import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeRandomActivity, startSimulator, type SimulatorHandle } from '../../src/simulator';
import type { Activity } from '../../src/source/activity';
import { restoreFromEcs, restoreFromOcsf } from '../../src/normalize';
import { readTopics } from '../../test/support/kafka-broker';
import { startCli, writeConfig } from '../../test/support/forwarder';
import {
  forwarderConfig,
  logLines,
  offeredIds,
  quiesce,
  scenarioDir,
  tail,
  type ChaosContext,
  type Scenario,
} from '../support/harness';
import { check, newRow, type Row, type SinkKind } from '../support/report';
import { makeSinks, type SinkSet } from '../support/sinks';

/**
 * Scenario 6: activities built to break encoders and receivers — 1 MB fields (ASCII and
 * 4-byte UTF-8), nesting 3 000 deep, lone UTF-16 surrogates, CR/LF/NUL in values and keys,
 * keys with dots, `$` and `__proto__`, an activity type no receiver expects — mixed into a
 * stream of generated ones (15 % of them hostile too). Every sink must hold each activity
 * well-formed, or the dead-letter file must say which sink refused it and why; the forwarder
 * must neither crash nor stall.
 */
function nest(depth: number): unknown {
  let o: unknown = { bottom: 'reached' };
  for (let i = 0; i < depth; i++) o = { n: o };
  return o;
}

export function hostileActivities(createdAt: (i: number) => string): Activity[] {
  const base = (i: number, extra: Record<string, unknown>): Activity => {
    const a = makeRandomActivity(7000 + i);
    return {
      ...a,
      id: `activity_01HOSTILE${String(i).padStart(17, '0')}`,
      created_at: createdAt(i),
      ...extra,
    };
  };
  const keys: Record<string, unknown> = JSON.parse(
    '{"a.b.c":1,"$where":"sleep(1000)","user.name":"dotted","$":"$","..":"dots",".leading":1,"trailing.":2,' +
      '"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"line\\nbreak":"key with LF","nul\\u0000key":"key with NUL",' +
      '"event.id":"forged ECS id","metadata.uid":"forged OCSF uid","\\ud800lone":"lone surrogate in a key"}',
  ) as Record<string, unknown>;
  return [
    base(0, { note: 'A'.repeat(1024 * 1024) }),
    base(1, { note: '😀'.repeat(256 * 1024) }),
    base(2, { nested: nest(3000) }),
    base(3, {
      note: 'lone \ud800 high, lone \udfff low, reversed \udc00\ud800, cut 😀'.slice(0, -1),
      actor: { type: 'user_actor', email_address: '\ud83d@example.com', user_id: 'user_\udfff' },
    }),
    base(4, {
      note: 'CR\rLF\nCRLF\r\nNUL\u0000BEL\u0007ESC\u001b[31mDEL\u007f',
      actor: {
        type: 'user_actor',
        email_address: 'evil\r\n<13>1 - forged - - - - injected@example.com',
        user_agent: 'ua\u0000nul',
      },
    }),
    base(5, keys),
    base(6, {
      type: 'future type with spaces\n<script>alert(1)</script>|CEF:0|',
      actor: { type: 'actor type nobody knows', 'weird.key': '$x' },
    }),
    base(7, {
      note: '\u2028\u2029\ufeff\u202e\u200b',
      big_number: Number.MAX_SAFE_INTEGER * 1024,
      float: 1e308,
      negative_zero: -0,
    }),
  ];
}

interface Handled {
  readonly delivered: Set<string>;
  readonly deadLettered: Map<string, string>;
}

function deadLetters(path: string): Array<{ sink: string; reason: string; activity_id: string }> {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as { sink: string; reason: string; activity_id: string });
}

/**
 * Nothing of a hostile activity may be lost in normalization: the OCSF document in the file
 * and the ECS event HEC indexed must rebuild the activity exactly as the API served it.
 */
function fidelity(row: Row, set: SinkSet, hostile: readonly Activity[]): void {
  // Key order aside, the same JSON (util.isDeepStrictEqual overflows the stack at this depth).
  const canonical = (v: unknown): string =>
    JSON.stringify(v, (_k, x: unknown) =>
      x && typeof x === 'object' && !Array.isArray(x)
        ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
        : x,
    );
  const served = new Map(hostile.map((a) => [a.id, canonical(a)]));
  const file = set.get('file');
  const lost: string[] = [];
  if (file) {
    for (const line of readFileSync(String(file.config.path), 'utf8').split('\n')) {
      if (!line.includes('HOSTILE')) continue;
      const doc = JSON.parse(line) as { metadata?: { uid?: string } };
      const original = served.get(doc.metadata?.uid ?? '');
      if (original && canonical(restoreFromOcsf(doc)) !== original)
        lost.push(`file(ocsf) ${doc.metadata?.uid}`);
    }
  }
  if (set.hec) {
    for (const e of set.hec.events()) {
      const event = e.envelope.event as Record<string, unknown> & { event?: { id?: string } };
      const original = served.get(event.event?.id ?? '');
      if (original && canonical(restoreFromEcs(event)) !== original) lost.push(`hec(ecs) ${event.event?.id}`);
    }
  }
  check(row, lost.length === 0, `normalization lost or changed fields of: ${lost.join(', ')}`);
  if (lost.length === 0)
    row.notes.push(
      'every hand-made hostile activity rebuilds exactly from its OCSF (file) and ECS (HEC) document',
    );
}

async function wellFormed(row: Row, set: SinkSet, ctx: ChaosContext): Promise<void> {
  const syslog = set.get('syslog');
  if (syslog && ctx.servers.rsyslog) {
    const hostname = String(syslog.config.hostname);
    const messages = ctx.servers.rsyslog.messages('tcp').filter((m) => m.hostname === hostname);
    const withoutId = messages.filter((m) => !m.sd['claude@32473']?.id).length;
    const truncated = messages.filter((m) => m.msg.endsWith('…[truncated]')).length;
    check(
      row,
      withoutId === 0,
      `rsyslog parsed ${withoutId} messages without our structured data: a message was split or forged`,
    );
    row.notes.push(
      `syslog: ${messages.length} messages parsed by rsyslog, none split; ${truncated} cut at max_message_bytes with the "…[truncated]" marker`,
    );
  }
  const kafka = set.get('kafka');
  if (kafka && ctx.servers.kafka) {
    const values = await readTopics(ctx.servers.kafka.plaintext, [String(kafka.config.topic)], 60_000);
    const bad = values.filter((m) => {
      try {
        JSON.parse(m.value);
        return false;
      } catch {
        return true;
      }
    }).length;
    check(row, bad === 0, `${bad} Kafka messages are not JSON`);
  }
}

export const hostileInput: Scenario = {
  id: 'hostile',
  title: 'hostile input: 1 MB fields, deep nesting, lone surrogates, CR/LF/NUL, odd keys',
  needs: { syslog: true, kafka: true },
  async run(ctx) {
    const row = newRow('6. hostile input (every sink)');
    const dir = scenarioDir('hostile');
    const sim: SimulatorHandle = await startSimulator({
      seed: 600,
      backlog: ctx.full ? 3000 : 600,
      backlogWindowMs: 3600_000,
      hostileRate: 0.15,
      futureTypeRate: 0.05,
    });
    const now = Date.now();
    const hostile = hostileActivities((i) => new Date(now - 20 * 60_000 + i * 1000).toISOString());
    sim.append(hostile);
    const set = await makeSinks({
      servers: ctx.servers,
      dir,
      tag: `hostile-${Date.now()}`,
      kinds: ['file', 'hec', 'syslog', 'kafka'],
      overrides: { syslog: { max_message_bytes: '64KiB' } },
    });
    try {
      const config = writeConfig(
        dir,
        await forwarderConfig({ sim, dir, sinks: set, source: { start_at: '2h' } }),
      );
      const fwd = startCli(['run', '-c', config], { from: 'built' });
      const cutoff = await quiesce(sim);
      const expected = offeredIds(sim, cutoff);
      const deadPath = join(dir, 'data', 'dead-letter.jsonl');
      // Delivered or dead-lettered, per sink: wait until every activity is one of the two.
      const handled = async (): Promise<Map<SinkKind, Handled>> => {
        const dead = deadLetters(deadPath);
        const out = new Map<SinkKind, Handled>();
        for (const s of set.sinks) {
          // A row the source refused (over the per-activity size cap) reaches no sink: it is dead-lettered once, for all.
          const deadLettered = new Map(
            dead
              .filter((d) => d.sink === s.name || d.sink === 'source')
              .map((d) => [d.activity_id, d.reason]),
          );
          out.set(s.kind, { delivered: new Set(await s.ids().catch(() => [] as string[])), deadLettered });
        }
        return out;
      };
      const deadline = Date.now() + (ctx.full ? 240_000 : 120_000);
      let state = await handled();
      const complete = (): boolean =>
        [...state.values()].every((h) =>
          expected.every((id) => h.delivered.has(id) || h.deadLettered.has(id)),
        );
      while (!complete() && fwd.running && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 1500));
        state = await handled();
      }
      check(row, fwd.running, `the forwarder died on hostile input: ${tail(fwd.stderr())}`);
      const exit = await fwd.stop();
      check(
        row,
        exit.code === 0,
        `did not stop cleanly (exit ${exit.code ?? exit.signal}): ${tail(fwd.stderr())}`,
      );
      const bugs = logLines(fwd.stderr()).filter((l) => /this is a bug|unexpected error/i.test(l.message));
      check(
        row,
        bugs.length === 0,
        `the forwarder logged ${bugs.length} unexpected errors: ${bugs[0]?.message}`,
      );
      row.peakRssMb = fwd.peakRssMb();
      row.offered = expected.length;
      for (const [kind, why] of Object.entries(set.unavailable)) row.delivered[kind as SinkKind] = why;
      const hostileIds = new Set(hostile.map((a) => a.id));
      for (const s of set.sinks) {
        let ids: string[];
        try {
          ids = await s.ids();
        } catch (err) {
          check(
            row,
            false,
            `${s.kind}: output is not well-formed: ${err instanceof Error ? err.message : String(err)}`,
          );
          continue;
        }
        const h = state.get(s.kind)!;
        const delivered = new Set(ids);
        const missing = expected.filter((id) => !delivered.has(id) && !h.deadLettered.has(id));
        const counts = new Map<string, number>();
        for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
        const dups = [...counts.values()].reduce((n, c) => n + c - 1, 0);
        row.lost += missing.length;
        row.duplicates += dups;
        const dead = [...h.deadLettered.keys()].filter((id) => expected.includes(id));
        row.delivered[s.kind] =
          dead.length > 0
            ? `${expected.filter((id) => delivered.has(id)).length} +${dead.length} DL`
            : expected.filter((id) => delivered.has(id)).length;
        check(
          row,
          missing.length === 0,
          `${s.kind}: ${missing.length} activities neither delivered nor dead-lettered (e.g. ${missing.slice(0, 2).join(', ')})`,
        );
        const hostileOutcome = [...hostileIds].map((id) =>
          delivered.has(id)
            ? 'ok'
            : h.deadLettered.has(id)
              ? `DL(${h.deadLettered.get(id)!.slice(0, 70)})`
              : 'MISSING',
        );
        row.notes.push(`${s.kind}: hand-made hostile #0-7 → ${hostileOutcome.join(', ')}`);
      }
      const dl = deadLetters(deadPath);
      check(
        row,
        dl.every((d) => typeof d.reason === 'string' && d.reason.length > 0),
        'a dead-letter entry has no reason',
      );
      row.duplicateBound = '0';
      check(row, row.duplicates === 0, `${row.duplicates} duplicates without a crash`);
      await wellFormed(row, set, ctx);
      fidelity(row, set, hostile);
    } finally {
      await set.close();
      await sim.close();
    }
    return [row];
  },
};
