import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { ReadinessReport } from './readiness';
import { redact } from './redact';

/**
 * The one HTTP listener of the process (metrics.listen): `/metrics` for Prometheus,
 * `/healthz` (the process is alive and its event loop answers) for liveness, `/readyz`
 * (credentials accepted, every sink healthy) for readiness. Read-only, no request body, no
 * secrets in any answer.
 */
export interface HealthServerOptions {
  /** "host:port" or "[v6]:port"; port 0 picks a free one (tests). */
  readonly listen: string;
  readonly metrics: () => Promise<{ readonly contentType: string; readonly text: string }>;
  readonly readiness: () => ReadinessReport;
}

export interface HealthServer {
  /** e.g. http://127.0.0.1:9464 */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export class ListenError extends Error {
  override readonly name = 'ListenError';
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

export function parseListen(listen: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:]+)\]|([^:\s]+)):(\d{1,5})$/.exec(listen);
  if (!m) throw new ListenError(`"${listen}" is not host:port`, undefined);
  const port = Number(m[3]);
  if (port > 65535) throw new ListenError(`port ${port} is out of range`, undefined);
  return { host: m[1] ?? m[2], port };
}

function json(res: http.ServerResponse, status: number, body: unknown, head: boolean): void {
  const text = redact(JSON.stringify(body, null, 2)) + '\n';
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(head ? undefined : text);
}

export async function startHealthServer(opts: HealthServerOptions): Promise<HealthServer> {
  const { host, port } = parseListen(opts.listen);
  const started = Date.now();
  const loopDelay: IntervalHistogram = monitorEventLoopDelay({ resolution: 20 });
  loopDelay.enable();

  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const head = req.method === 'HEAD';
    if (req.method !== 'GET' && !head) {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/metrics') {
      opts.metrics().then(
        ({ contentType, text }) => {
          res.writeHead(200, {
            'Content-Type': contentType,
            'Cache-Control': 'no-store',
            'Content-Length': Buffer.byteLength(text),
          });
          res.end(head ? undefined : text);
        },
        (err: unknown) =>
          json(
            res,
            500,
            { error: `cannot collect metrics: ${err instanceof Error ? err.message : String(err)}` },
            head,
          ),
      );
      return;
    }
    if (path === '/healthz') {
      // Answering at all proves the event loop turns; the delay says how freely.
      json(
        res,
        200,
        {
          status: 'alive',
          uptime_seconds: Math.round((Date.now() - started) / 1000),
          event_loop_delay_ms: {
            p99: Math.round(loopDelay.percentile(99) / 1e4) / 100,
            max: Math.round(loopDelay.max / 1e4) / 100,
          },
        },
        head,
      );
      loopDelay.reset();
      return;
    }
    if (path === '/readyz') {
      const report = opts.readiness();
      json(res, report.status === 'ready' ? 200 : 503, report, head);
      return;
    }
    json(res, 404, { error: 'not found; try /metrics, /healthz or /readyz' }, head);
  });
  // A scraper or probe that stops talking must not hold a socket forever.
  server.requestTimeout = 10_000;
  server.headersTimeout = 10_000;
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      loopDelay.disable();
      reject(
        new ListenError(
          `cannot listen on ${opts.listen}: ${err.code === 'EADDRINUSE' ? 'the address is already in use' : err.message}`,
          err.code,
        ),
      );
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shown}:${address.port}`,
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        loopDelay.disable();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
