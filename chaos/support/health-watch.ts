import { sleep } from './harness';
import { check, type Row } from './report';

const PREFIX = 'claude_audit_forwarder_';

/** What /readyz and /metrics say about one part, at one moment. */
interface Look {
  /** /readyz answered 503 naming the part ("source", "sinks.<name>"). */
  readonly readyzNames: boolean;
  /** For a sink: sink_healthy is 0 (undefined when the forwarder does not serve it yet). */
  readonly gaugeDown?: boolean;
  /** For a sink: its sink_state. */
  readonly state?: string;
}

/** The seconds from an outage until readiness (and, for a sink, its gauge) turned red. */
export interface Turn {
  readonly readyzS?: number;
  readonly gaugeS?: number;
}

/** Reads a forwarder's /readyz and /metrics (a forwarder not answering yet looks healthy). */
export class HealthProbe {
  constructor(private readonly port: number) {}

  async look(part: string): Promise<Look> {
    const base = `http://127.0.0.1:${this.port}`;
    let readyzNames: boolean;
    let text: string;
    try {
      const res = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(2000) });
      const body = (await res.json()) as { failing?: string[] };
      readyzNames = res.status === 503 && (body.failing ?? []).includes(part);
      text = await (await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(2000) })).text();
    } catch {
      return { readyzNames: false };
    }
    if (!part.startsWith('sinks.')) return { readyzNames };
    const sink = part.slice('sinks.'.length);
    const healthy = new RegExp(`^${PREFIX}sink_healthy\\{sink="${sink}"[^}]*\\} (\\d+)`, 'm').exec(text);
    const state = new RegExp(`^${PREFIX}sink_state\\{sink="${sink}",state="(\\w+)"\\} 1`, 'm').exec(text);
    return { readyzNames, gaugeDown: healthy ? healthy[1] === '0' : undefined, state: state?.[1] };
  }

  /**
   * Polls from `fromMs` until /readyz names `part` and (for a sink) sink_healthy is 0, or
   * `timeoutMs` passes; returns when each was first seen.
   */
  async turnRed(part: string, fromMs: number, timeoutMs: number): Promise<Turn> {
    let readyzS: number | undefined;
    let gaugeS: number | undefined;
    const sink = part.startsWith('sinks.');
    while (Date.now() - fromMs < timeoutMs) {
      const look = await this.look(part);
      const at = (Date.now() - fromMs) / 1000;
      if (look.readyzNames) readyzS ??= at;
      if (look.gaugeDown === true) gaugeS ??= at;
      if (readyzS !== undefined && (!sink || gaugeS !== undefined)) break;
      await sleep(200);
    }
    return { readyzS, gaugeS };
  }

  /** Polls until the sink is attached again and readiness no longer names it; seconds, or undefined. */
  async attachedAgain(sink: string, timeoutMs: number, running: () => boolean): Promise<number | undefined> {
    const from = Date.now();
    while (Date.now() - from < timeoutMs && running()) {
      const look = await this.look(`sinks.${sink}`);
      if (look.state === 'attached' && !look.readyzNames && look.gaugeDown === false)
        return (Date.now() - from) / 1000;
      await sleep(250);
    }
    return undefined;
  }

  /** Whether the sink is catching up now. */
  async catchingUp(sink: string): Promise<boolean> {
    return (await this.look(`sinks.${sink}`)).state === 'catching_up';
  }
}

const s = (v: number | undefined): string => (v === undefined ? 'never' : `${v.toFixed(1)} s`);

/** Checks a turn against its limit and notes the measured seconds in the row. */
export function recordTurn(row: Row, label: string, turn: Turn, limitS: number, gauge = true): void {
  check(
    row,
    turn.readyzS !== undefined && turn.readyzS <= limitS,
    `${label}: /readyz named it after ${s(turn.readyzS)} (limit ${limitS} s)`,
  );
  if (gauge)
    check(
      row,
      turn.gaugeS !== undefined && turn.gaugeS <= limitS,
      `${label}: sink_healthy turned 0 after ${s(turn.gaugeS)} (limit ${limitS} s)`,
    );
  row.notes.push(
    `${label}: /readyz 503 naming it after ${s(turn.readyzS)}${gauge ? `, sink_healthy 0 after ${s(turn.gaugeS)}` : ''} (limit ${limitS} s)`,
  );
}
