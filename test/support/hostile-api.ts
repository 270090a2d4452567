import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';

/**
 * A hostile Compliance API: a front that passes every request to a real simulator and, per a
 * script, spoils the answer the way issue #15's review did. Rows it invents carry ids starting
 * with `activity_hostile_`, so a test can tell them from the simulator's own.
 */
export type HostileTrick =
  /** The page gains an invented row dated 2999 (when it has room under `limit`). */
  | 'future_row'
  /** The same, as an Access Transparency row (`anthropic_access`): the late lane's type. */
  | 'future_access_row'
  /** The page gains an invented row whose created_at is not a time. */
  | 'bad_created_at'
  /** 200, then `{"data":[` and rows for ever. */
  | 'endless_body'
  /** 200, gzip: a few hundred KB inflating to 256 MiB. */
  | 'gzip_bomb'
  /** The page gains an invented row with one 4 MB field (over the per-activity cap, under the body cap). */
  | 'giant_field'
  /** 50 000 invented rows, whatever `limit` asked. */
  | 'oversized_page'
  /** 200, then the real body a byte every 500 ms. */
  | 'trickle'
  /** 429 with Retry-After: 20 days. */
  | 'huge_retry_after'
  /** The real answer, with a rate-limit window spent and reset dated 2999. */
  | 'reset_2999';

export const HOSTILE_TRICKS: readonly HostileTrick[] = [
  'future_row',
  'bad_created_at',
  'endless_body',
  'gzip_bomb',
  'giant_field',
  'oversized_page',
  'trickle',
  'huge_retry_after',
  'reset_2999',
];

export const HOSTILE_ID_PREFIX = 'activity_hostile_';

export interface HostileApi {
  readonly url: string;
  /** Tricks for the next requests, in order (null: the real answer). */
  play(script: readonly (HostileTrick | null)[]): void;
  /** Tricks played so far, in order. */
  readonly played: readonly HostileTrick[];
  /** Tricks still waiting (a row trick waits for a page with room). */
  pending(): number;
  close(): Promise<void>;
}

let bomb: Buffer | undefined;
function gzipBomb(): Buffer {
  bomb ??= zlib.gzipSync(Buffer.alloc(256 * 1024 * 1024, 0x20), { level: 9 });
  return bomb;
}

interface Upstream {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

function forward(upstream: string, req: http.IncomingMessage): Promise<Upstream> {
  return new Promise((resolve, reject) => {
    const headers = { ...req.headers };
    delete headers.host;
    const out = http.request(new URL(req.url ?? '/', upstream), { method: req.method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }),
      );
      res.on('error', reject);
    });
    out.on('error', reject);
    out.end();
  });
}

let invented = 0;
function inventedRow(createdAt: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  invented++;
  return {
    id: `${HOSTILE_ID_PREFIX}${String(invented).padStart(8, '0')}`,
    created_at: createdAt,
    organization_id: null,
    organization_uuid: null,
    type: 'org_user_deleted',
    actor: { type: 'system_actor', service: 'hostile' },
    ...extra,
  };
}

/**
 * The page with `row` appended, or undefined when the page has no room under `limit`, or the
 * request's type filter leaves the row's type out: this API lies about time, not about type,
 * so a row trick lands on a page that could hold its row (a poll cycle's, not the late lane's).
 */
function withRow(body: Buffer, query: URLSearchParams, row: Record<string, unknown>): Buffer | undefined {
  const limit = Number(query.get('limit') ?? 100);
  const only = query.getAll('activity_types[]');
  if (
    (only.length > 0 && !only.includes(String(row.type))) ||
    query.getAll('exclude_activity_types[]').includes(String(row.type))
  )
    return undefined;
  const page = JSON.parse(body.toString('utf8')) as { data: Record<string, unknown>[] };
  if (page.data.length >= limit) return undefined;
  page.data.push(row);
  return Buffer.from(JSON.stringify(page));
}

const ROW_TRICKS = new Set<HostileTrick>([
  'future_row',
  'future_access_row',
  'bad_created_at',
  'giant_field',
]);

export async function startHostileApi(upstream: string): Promise<HostileApi> {
  const script: (HostileTrick | null)[] = [];
  const played: HostileTrick[] = [];
  const open = new Set<http.ServerResponse>();

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const trick = script.shift() ?? null;
    const query = new URL(req.url ?? '/', 'http://x').searchParams;
    if (trick === 'endless_body') {
      played.push(trick);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"data":[');
      const row = Buffer.from(JSON.stringify(inventedRow('2026-01-01T00:00:00Z')) + ',');
      const chunk = Buffer.concat(Array.from({ length: 256 }, () => row));
      const pump = (): void => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
      return;
    }
    if (trick === 'gzip_bomb') {
      played.push(trick);
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      res.end(gzipBomb());
      return;
    }
    if (trick === 'huge_retry_after') {
      played.push(trick);
      const body = JSON.stringify({
        type: 'error',
        error: { type: 'rate_limit_error', message: 'slow down' },
        request_id: 'req_hostile',
      });
      res.writeHead(429, {
        'content-type': 'application/json',
        'retry-after': String(20 * 86_400),
        'x-should-retry': 'true',
      });
      res.end(body);
      return;
    }
    if (trick === 'oversized_page') {
      played.push(trick);
      const data = Array.from({ length: 50_000 }, () => inventedRow('2026-01-01T00:00:00Z'));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ data, has_more: false, first_id: data[0].id, last_id: data.at(-1)!.id }));
      return;
    }
    const up = await forward(upstream, req);
    const headers: http.OutgoingHttpHeaders = {
      'content-type': up.headers['content-type'] ?? 'application/json',
    };
    for (const name of Object.keys(up.headers))
      if (
        name.startsWith('anthropic-ratelimit') ||
        name === 'request-id' ||
        name === 'retry-after' ||
        name === 'x-should-retry'
      )
        headers[name] = up.headers[name];
    let body = up.body;
    if (up.status === 200 && trick !== null && ROW_TRICKS.has(trick)) {
      const row =
        trick === 'future_row'
          ? inventedRow('2999-01-01T00:00:00.000000Z')
          : trick === 'future_access_row'
            ? inventedRow('2999-01-01T00:00:00.000000Z', {
                type: 'anthropic_access',
                actor: { type: 'anthropic_actor', email_address: null },
                reason_code: 'safety_review',
              })
            : trick === 'bad_created_at'
              ? inventedRow('not a time')
              : inventedRow(new Date(Date.now() - 5000).toISOString(), { note: 'x'.repeat(4 * 1024 * 1024) });
      const spoiled = withRow(body, query, row);
      if (spoiled) {
        played.push(trick);
        body = spoiled;
      } else script.unshift(trick); // no room on this page: the next one
    } else if (trick === 'reset_2999' && up.status === 200) {
      played.push(trick);
      Object.assign(headers, {
        'anthropic-ratelimit-requests-limit': '600',
        'anthropic-ratelimit-requests-remaining': '0',
        'anthropic-ratelimit-requests-reset': '2999-01-01T00:00:00Z',
      });
    } else if (trick !== null && !ROW_TRICKS.has(trick) && trick !== 'trickle') script.unshift(trick);
    if (trick === 'trickle' && up.status === 200) {
      played.push(trick);
      res.writeHead(200, headers);
      let at = 0;
      const drip = setInterval(() => {
        if (res.destroyed || at >= body.length) {
          clearInterval(drip);
          res.end();
          return;
        }
        res.write(body.subarray(at, ++at));
      }, 500);
      res.on('close', () => clearInterval(drip));
      return;
    }
    if (trick === 'trickle') script.unshift(trick);
    res.writeHead(up.status, { ...headers, 'content-length': body.length });
    res.end(body);
  };

  const server = http.createServer((req, res) => {
    open.add(res);
    res.on('close', () => open.delete(res));
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    play: (s) => script.push(...s),
    played,
    pending: () => script.length,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of open) res.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
