import { startCli, waitFor, type ForwarderProcess } from '../../support/forwarder';

/**
 * Reading a running forwarder from the outside, as Prometheus and the kubelet do: its
 * /metrics exposition parsed into samples, /readyz and /healthz as status + JSON.
 */
export interface MetricSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export function parseExposition(text: string): MetricSample[] {
  const out: MetricSample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (!m) throw new Error(`not an exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[l[1]] = l[2].replace(/\\(.)/g, (_s, c: string) => (c === 'n' ? '\n' : c));
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}

export class Scrape {
  constructor(
    readonly text: string,
    readonly samples: readonly MetricSample[] = parseExposition(text),
  ) {}

  /** Sum of every sample named `name` whose labels include `labels`; undefined if none. */
  get(name: string, labels: Record<string, string> = {}): number | undefined {
    const hits = this.samples.filter(
      (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
    );
    return hits.length === 0 ? undefined : hits.reduce((n, s) => n + s.value, 0);
  }

  /** Like get, 0 when absent (counters before their first increment of a label set). */
  count(name: string, labels: Record<string, string> = {}): number {
    return this.get(name, labels) ?? 0;
  }

  all(name: string): MetricSample[] {
    return this.samples.filter((s) => s.name === name);
  }
}

export async function httpGet(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  return { status: res.status, body: await res.text() };
}

export async function scrape(base: string): Promise<Scrape> {
  const r = await httpGet(`${base}/metrics`);
  if (r.status !== 200) throw new Error(`/metrics answered ${r.status}: ${r.body}`);
  return new Scrape(r.body);
}

export interface Readyz {
  readonly status: number;
  readonly report: {
    status: string;
    failing: string[];
    summary: string[];
    checks: {
      source: { ok: boolean; detail?: string; since?: string };
      sinks: Record<string, { ok: boolean; detail?: string; since?: string }>;
    };
  };
}

export async function readyz(base: string): Promise<Readyz> {
  const r = await httpGet(`${base}/readyz`);
  return { status: r.status, report: JSON.parse(r.body) as Readyz['report'] };
}

/** A forwarder started by the CLI with `metrics.listen: 127.0.0.1:0`, and the address it chose. */
export interface RunningForwarder extends ForwarderProcess {
  readonly base: string;
}

/** JSON log lines a run wrote to stderr. */
export function logLines(stderr: string): Record<string, unknown>[] {
  return stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

export async function startForwarder(
  args: readonly string[],
  opts: { env?: NodeJS.ProcessEnv } = {},
): Promise<RunningForwarder> {
  const p = startCli(args, opts);
  let base: string | undefined;
  let exited = false;
  void p.exited.then(() => (exited = true));
  await waitFor(
    () => {
      if (exited) throw new Error(`the forwarder exited before serving metrics:\n${p.stderr().slice(-3000)}`);
      const line = logLines(p.stderr()).find((l) => l.message === 'serving /metrics, /healthz and /readyz');
      base = typeof line?.url === 'string' ? line.url : undefined;
      return base !== undefined;
    },
    30_000,
    'the forwarder to serve /metrics',
  );
  // Not a spread: it would freeze `running` at its value now.
  return Object.assign(p, { base: base! });
}

/** Polls until `check` passes, returning its last value; fails with the last reason. */
export async function eventually<T>(
  probe: () => Promise<T>,
  check: (v: T) => boolean,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      last = await probe();
      if (check(last)) return last;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}; last: ${JSON.stringify(last)?.slice(0, 2000) ?? String(lastError)}`,
  );
}
