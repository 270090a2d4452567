import type { Activity } from '../../src/source/activity';
import type { SimulatorHandle } from '../../src/simulator';

/** What a client sees of one response. */
export interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** Parsed JSON, or undefined when the body is not JSON. */
  readonly json: unknown;
}

export interface Page {
  readonly data: Activity[];
  readonly has_more: boolean;
  readonly first_id: string | null;
  readonly last_id: string | null;
}

export interface ErrorBody {
  readonly type: string;
  readonly error: { readonly type: string; readonly message: string };
  readonly request_id: string | null;
}

/** Builds a query string the way a client must: repeated `key[]=` and URL-encoded values. */
export function queryString(
  params: Readonly<Record<string, string | number | readonly string[] | undefined>>,
): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const item of v) q.append(k, String(item));
    else q.append(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

export async function get(
  sim: SimulatorHandle,
  pathAndQuery: string,
  apiKey: string | null = sim.apiKey,
  signal?: AbortSignal,
): Promise<Reply> {
  const headers: Record<string, string> = {
    accept: 'application/json',
    'anthropic-version': '2023-06-01',
    'user-agent': 'simulator-tests/1.0',
  };
  if (apiKey !== null) headers['x-api-key'] = apiKey;
  const res = await fetch(`${sim.url}${pathAndQuery}`, { headers, signal });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

export async function activities(
  sim: SimulatorHandle,
  params: Readonly<Record<string, string | number | readonly string[] | undefined>> = {},
  apiKey?: string | null,
): Promise<Reply> {
  return get(
    sim,
    `/v1/compliance/activities${queryString(params)}`,
    apiKey === undefined ? sim.apiKey : apiKey,
  );
}

export function page(reply: Reply): Page {
  if (reply.status !== 200) throw new Error(`expected 200, got ${reply.status}: ${reply.text.slice(0, 300)}`);
  return reply.json as Page;
}

export function errorOf(reply: Reply): ErrorBody {
  return reply.json as ErrorBody;
}

/** Follows `after_id` from the start until has_more is false; returns ids in visit order. */
export async function walkAfter(
  sim: SimulatorHandle,
  params: Readonly<Record<string, string | number | readonly string[] | undefined>>,
): Promise<{ ids: string[]; pages: Page[] }> {
  const ids: string[] = [];
  const pages: Page[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 10_000; i++) {
    const p = page(await activities(sim, { ...params, after_id: cursor }));
    pages.push(p);
    ids.push(...p.data.map((a) => a.id));
    if (!p.has_more) return { ids, pages };
    cursor = p.last_id ?? undefined;
  }
  throw new Error('walk did not end');
}

export function decodeCursorForTest(cursor: string): { id: string; created_at: string } {
  return JSON.parse(Buffer.from(cursor, 'base64').toString('utf8')) as { id: string; created_at: string };
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
