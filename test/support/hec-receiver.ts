import http from 'node:http';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import type { AddressInfo, Socket } from 'node:net';
import { gunzipSync } from 'node:zlib';

/**
 * A strict Splunk HTTP Event Collector for tests, chaos suites and benchmarks: a real HTTP(S)
 * server on loopback that follows the protocol facts in shared/spec/sinks.md — auth order
 * token → channel → body, the documented code table, gzip (415 for other encodings),
 * concatenated-JSON envelopes with partial indexing on a bad event, 413 over the body limit,
 * indexer-ack ids per channel from 0 — and stores what it indexed so tests can assert
 * exactly-once or at-least-once delivery. Faults (503 bursts, 429, 500, resets, slow
 * replies, delayed/lost acks, restarts) are knobs on `faults`, changeable while it runs.
 */

export const DEFAULT_HEC_TOKEN = '11111111-2222-4333-8444-555555555555';

export interface HecTokenSpec {
  /** Indexer acknowledgement on for this token: a channel is required and 200s carry ackIds. */
  readonly acks?: boolean;
  /** Answered 403 code 1 "Token disabled". */
  readonly disabled?: boolean;
  /** Indexes the token may write to; an envelope naming another one gets code 7. Undefined: any. */
  readonly indexes?: readonly string[];
}

export interface HecReceiverTls {
  readonly certFile: string;
  readonly keyFile: string;
  /** CA for client certificates (mutual TLS). */
  readonly caFile?: string;
  /** Refuse clients without a certificate signed by `caFile`. */
  readonly requireClientCert?: boolean;
}

export interface HecReceiverOptions {
  /** Valid tokens. Default: DEFAULT_HEC_TOKEN without acks. */
  readonly tokens?: Readonly<Record<string, HecTokenSpec>>;
  readonly tls?: HecReceiverTls;
  /** Requests larger than this (on the wire or decompressed) get 413. Default 1 MB (Splunk Cloud). */
  readonly maxBodyBytes?: number;
  /** Port to listen on (0: a free one). A restart keeps the port. */
  readonly port?: number;
  /** Address to listen on; default 127.0.0.1 (another one: a target that is not loopback). */
  readonly host?: string;
  /** How an ack query on a channel this receiver does not know is answered. Default: all false. */
  readonly unknownAckChannel?: 'all_false' | 'invalid_channel';
  /** Keep every event request's body (decompressed) in `bodies`, for tests that search the bytes. */
  readonly keepBodies?: boolean;
}

/** Knobs a test turns while the receiver runs. Counters count down as they fire. */
export interface HecFaults {
  /** The next N event requests get 503 code 9 "Server is busy". */
  busy: number;
  /** The next N event requests get 429 code 26 "Queue at capacity". */
  throttled: number;
  /** The next N event requests get 500 code 8. */
  internalErrors: number;
  /** Retry-After (seconds) sent with 503/429 replies; undefined: none. */
  retryAfterSeconds?: number;
  /** The next N event requests have their connection destroyed before anything is indexed. */
  resetBeforeIndexing: number;
  /** The next N event requests are indexed, then their connection is destroyed (the reply is lost). */
  resetAfterIndexing: number;
  /** Every event request waits this long before it is handled. */
  slowMs: number;
  /** Acks become true this long after indexing. */
  ackDelayMs: number;
  /** Ack ids issued while this is set never become true (and their events never become durable). */
  acksNeverTrue: boolean;
  /** The next N ack ids issued never become true ("lost acks"). */
  loseAcks: number;
  /** /services/collector/health answers 503 code 18. */
  unhealthy: boolean;
  /**
   * Refuse a request with a bad event whole, indexing none of it and without
   * `invalid-event-number` (as some HEC-compatible receivers and proxies do).
   */
  wholeBatchRefusal: boolean;
  /** A per-event refusal: return an HEC code (6, 12, 13, 15, 7…) to refuse that envelope. */
  rejectEvent?: (envelope: Readonly<Record<string, unknown>>) => number | undefined;
}

export interface IndexedEvent {
  readonly envelope: Readonly<Record<string, unknown>>;
  readonly channel?: string;
  readonly ackId?: number;
  /** Which event request (1-based, counting every event request received) carried it. */
  readonly request: number;
  /** Milliseconds since the epoch when it was indexed. */
  readonly at: number;
}

export interface HecExchange {
  readonly path: string;
  readonly status: number;
  readonly code?: number;
  readonly channel?: string;
  readonly encoding?: string;
  /** Body bytes as received on the wire. */
  readonly wireBytes: number;
}

interface AckEntry {
  readyAt: number;
  readonly events: IndexedEvent[];
}

interface ChannelState {
  nextAckId: number;
  readonly acks: Map<number, AckEntry>;
}

interface Reply {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly headers?: Record<string, string>;
}

const TEXT: Record<number, string> = {
  0: 'Success',
  1: 'Token disabled',
  2: 'Token is required',
  3: 'Invalid authorization',
  4: 'Invalid token',
  5: 'No data',
  6: 'Invalid data format',
  7: 'Incorrect index',
  8: 'Internal server error',
  9: 'Server is busy',
  10: 'Data channel is missing',
  11: 'Invalid data channel',
  12: 'Event field is required',
  13: 'Event field cannot be blank',
  14: 'ACK is disabled',
  15: 'Error in handling indexed fields',
  16: 'Query string authorization is not enabled',
  17: 'HEC is healthy',
  18: 'HEC is unhealthy, queues are full',
  26: 'Queue at capacity',
};

const STATUS_OF_CODE: Record<number, number> = {
  1: 403,
  2: 401,
  3: 401,
  4: 403,
  5: 400,
  6: 400,
  7: 400,
  8: 500,
  9: 503,
  10: 400,
  11: 400,
  12: 400,
  13: 400,
  14: 400,
  15: 400,
  16: 400,
  17: 200,
  18: 503,
  26: 429,
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EVENT_PATHS = new Set([
  '/services/collector',
  '/services/collector/event',
  '/services/collector/event/1.0',
]);
const HEALTH_PATHS = new Set(['/services/collector/health', '/services/collector/health/1.0']);
const ACK_PATHS = new Set(['/services/collector/ack', '/services/collector/ack/1.0']);

function hecReply(
  code: number,
  extra: Record<string, unknown> = {},
  headers?: Record<string, string>,
): Reply {
  return { status: STATUS_OF_CODE[code] ?? 200, body: { text: TEXT[code], code, ...extra }, headers };
}

/** End of the JSON object starting at `start` (index after its `}`), or -1. */
function objectEnd(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

function skipWhitespace(text: string, i: number): number {
  while (i < text.length && /\s/.test(text[i])) i++;
  return i;
}

export class HecReceiver {
  readonly faults: HecFaults = {
    busy: 0,
    throttled: 0,
    internalErrors: 0,
    resetBeforeIndexing: 0,
    resetAfterIndexing: 0,
    slowMs: 0,
    ackDelayMs: 0,
    acksNeverTrue: false,
    loseAcks: 0,
    unhealthy: false,
    wholeBatchRefusal: false,
  };
  /** Request counts by endpoint, and new TCP/TLS connections accepted (keep-alive proof). */
  readonly counts = { event: 0, ack: 0, health: 0, other: 0, connections: 0, restarts: 0 };
  /** Every answered request, in order. */
  readonly exchanges: HecExchange[] = [];
  /** Event request bodies as received, decompressed (with `keepBodies`). */
  readonly bodies: Buffer[] = [];

  private indexed: IndexedEvent[] = [];
  private readonly ackEntryOf = new Map<IndexedEvent, AckEntry>();
  private channels = new Map<string, ChannelState>();
  private readonly tokens = new Map<string, HecTokenSpec>();
  private readonly sockets = new Set<Socket>();
  private server?: http.Server;
  private boundPort: number;
  private readonly maxBodyBytes: number;

  constructor(private readonly options: HecReceiverOptions = {}) {
    for (const [token, spec] of Object.entries(options.tokens ?? { [DEFAULT_HEC_TOKEN]: {} }))
      this.tokens.set(token, spec);
    this.maxBodyBytes = options.maxBodyBytes ?? 1_000_000;
    this.boundPort = options.port ?? 0;
  }

  get port(): number {
    return this.boundPort;
  }

  /** The base URL a sink's `endpoint` takes. */
  get url(): string {
    return `${this.options.tls ? 'https' : 'http'}://${this.options.host ?? '127.0.0.1'}:${this.boundPort}`;
  }

  /** Adds, changes or (with undefined) removes a token while running: auth failures and fixes. */
  setToken(token: string, spec: HecTokenSpec | undefined): void {
    if (spec) this.tokens.set(token, spec);
    else this.tokens.delete(token);
  }

  async start(): Promise<void> {
    if (this.server) return;
    const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => void this.handle(req, res);
    const tls = this.options.tls;
    const server = tls
      ? https.createServer(
          {
            cert: readFileSync(tls.certFile),
            key: readFileSync(tls.keyFile),
            ca: tls.caFile ? readFileSync(tls.caFile) : undefined,
            requestCert: tls.requireClientCert ?? false,
            rejectUnauthorized: tls.requireClientCert ?? false,
          },
          handler,
        )
      : http.createServer(handler);
    server.keepAliveTimeout = 30_000;
    server.on(tls ? 'secureConnection' : 'connection', (socket: Socket) => {
      this.counts.connections++;
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    if (tls) {
      // Failed handshakes never reach secureConnection; track their sockets to close them.
      server.on('connection', (socket: Socket) => {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
      });
    }
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.boundPort, this.options.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.boundPort = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Stops listening and drops every connection (in-flight requests see a reset). */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    await closed;
  }

  /**
   * A Splunk restart: connections drop, every channel's ack state is forgotten (ack ids start
   * again from 0), and with `loseUnacknowledged` events whose ack had not become true are
   * gone (they were never replicated). `downMs`: how long the port stays closed.
   */
  async restart(opts: { loseUnacknowledged?: boolean; downMs?: number } = {}): Promise<void> {
    await this.stop();
    this.counts.restarts++;
    if (opts.loseUnacknowledged) {
      const now = Date.now();
      this.indexed = this.indexed.filter((e) => this.isDurable(e, now));
    }
    this.channels = new Map();
    this.ackEntryOf.clear();
    if (opts.downMs) await new Promise((r) => setTimeout(r, opts.downMs));
    await this.start();
  }

  /** Makes every outstanding ack (including ones set never to become true) true now. */
  releaseAcks(): void {
    const now = Date.now();
    for (const state of this.channels.values()) for (const entry of state.acks.values()) entry.readyAt = now;
  }

  // ---- inspection -------------------------------------------------------------------------

  /** Indexed events, in indexing order (duplicates included). */
  events(): readonly IndexedEvent[] {
    return this.indexed;
  }

  /** `fields.event_id` of each indexed event, in order (duplicates included). */
  eventIds(): string[] {
    return this.indexed.map((e) =>
      String((e.envelope.fields as Record<string, unknown> | undefined)?.event_id),
    );
  }

  /** How many times each event id was indexed. */
  countById(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const id of this.eventIds()) counts.set(id, (counts.get(id) ?? 0) + 1);
    return counts;
  }

  /** Event ids indexed more than once. */
  duplicates(): string[] {
    return [...this.countById()].filter(([, n]) => n > 1).map(([id]) => id);
  }

  /** Ack ids issued on `channel` so far and those not yet returned true. */
  channelState(channel: string): { issued: number; outstanding: number[] } | undefined {
    const state = this.channels.get(channel);
    return state ? { issued: state.nextAckId, outstanding: [...state.acks.keys()] } : undefined;
  }

  /** Channels seen since the last restart. */
  channelIds(): string[] {
    return [...this.channels.keys()];
  }

  /** Resolves once `predicate` holds (checked every 5 ms); rejects after `timeoutMs`. */
  async waitFor(predicate: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline)
        throw new Error(`HEC receiver: timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  // ---- protocol ---------------------------------------------------------------------------

  private isDurable(event: IndexedEvent, now: number): boolean {
    const entry = this.ackEntryOf.get(event);
    return entry === undefined || entry.readyAt <= now;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://receiver');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const isEvent = EVENT_PATHS.has(path);
    const requestNo = isEvent ? ++this.counts.event : 0;
    if (ACK_PATHS.has(path)) this.counts.ack++;
    else if (HEALTH_PATHS.has(path)) this.counts.health++;
    else if (!isEvent) this.counts.other++;

    if (isEvent && this.faults.resetBeforeIndexing > 0) {
      this.faults.resetBeforeIndexing--;
      req.socket.destroy();
      return;
    }
    let read: { body: Buffer; size: number; tooLarge: boolean };
    try {
      read = await this.readBody(req);
    } catch {
      return; // the client went away before sending the whole body
    }
    const body = read.body;
    // Like a real indexer, a request whose body arrived is processed even if the client has
    // given up waiting (timeout): its retry then duplicates, which is what tests must survive.
    if (isEvent && this.faults.slowMs > 0) await new Promise((r) => setTimeout(r, this.faults.slowMs));

    let reply: Reply;
    let resetAfter = false;
    if (HEALTH_PATHS.has(path)) {
      reply =
        req.method === 'GET' || req.method === 'POST'
          ? this.faults.unhealthy
            ? hecReply(18)
            : hecReply(17)
          : { status: 405, body: { text: 'Method not allowed' } };
    } else if (ACK_PATHS.has(path)) {
      reply =
        req.method === 'POST'
          ? this.ack(req, url, body)
          : { status: 405, body: { text: 'Method not allowed' } };
    } else if (isEvent) {
      if (req.method !== 'POST') {
        reply = { status: 405, body: { text: 'Method not allowed' } };
      } else {
        reply = this.event(req, url, body, read.tooLarge ? read.size : undefined, requestNo);
        if (reply.status === 200 && this.faults.resetAfterIndexing > 0) {
          this.faults.resetAfterIndexing--;
          resetAfter = true;
        }
      }
    } else {
      reply = { status: 404, body: { text: 'The requested URL was not found on this server.', code: 404 } };
    }
    this.exchanges.push({
      path,
      status: reply.status,
      code: typeof reply.body.code === 'number' ? reply.body.code : undefined,
      channel: this.channelOf(req, url),
      encoding: req.headers['content-encoding'],
      wireBytes: read.size,
    });
    if (resetAfter || res.destroyed) {
      req.socket.destroy();
      return;
    }
    const text = JSON.stringify(reply.body);
    res.writeHead(reply.status, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(text),
      ...reply.headers,
    });
    res.end(text);
  }

  private readBody(req: http.IncomingMessage): Promise<{ body: Buffer; size: number; tooLarge: boolean }> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let tooLarge = false;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        // Keep reading (and discarding) past the limit so the client sees a 413, not a reset.
        if (size > this.maxBodyBytes) tooLarge = true;
        else chunks.push(chunk);
      });
      req.on('end', () =>
        resolve({ body: tooLarge ? Buffer.alloc(0) : Buffer.concat(chunks), size, tooLarge }),
      );
      req.on('error', reject);
      req.on('aborted', () => reject(new Error('aborted')));
    });
  }

  private channelOf(req: http.IncomingMessage, url: URL): string | undefined {
    const header = req.headers['x-splunk-request-channel'];
    return (typeof header === 'string' ? header : undefined) ?? url.searchParams.get('channel') ?? undefined;
  }

  /** Token, then channel: the first two steps of every data request. */
  private authenticate(
    req: http.IncomingMessage,
    url: URL,
  ): { spec: HecTokenSpec; channel?: string } | Reply {
    const auth = req.headers.authorization;
    if (auth === undefined) return url.searchParams.has('token') ? hecReply(16) : hecReply(2);
    const m = /^Splunk\s+(\S+)\s*$/.exec(auth);
    if (!m) return hecReply(3);
    const spec = this.tokens.get(m[1]);
    if (!spec) return hecReply(4);
    if (spec.disabled) return hecReply(1);
    const channel = this.channelOf(req, url);
    if (channel === undefined) return spec.acks ? hecReply(10) : { spec };
    if (!UUID.test(channel)) return hecReply(11);
    return { spec, channel };
  }

  /** `oversize`: the wire size when the body was over the limit (and not kept). */
  private event(
    req: http.IncomingMessage,
    url: URL,
    wire: Buffer,
    oversize: number | undefined,
    requestNo: number,
  ): Reply {
    const auth = this.authenticate(req, url);
    if ('status' in auth) return auth;
    const retryAfter =
      this.faults.retryAfterSeconds !== undefined
        ? { 'Retry-After': String(this.faults.retryAfterSeconds) }
        : undefined;
    if (this.faults.busy > 0) {
      this.faults.busy--;
      return hecReply(9, {}, retryAfter);
    }
    if (this.faults.throttled > 0) {
      this.faults.throttled--;
      return hecReply(26, {}, retryAfter);
    }
    if (this.faults.internalErrors > 0) {
      this.faults.internalErrors--;
      return hecReply(8);
    }
    const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
    if (encoding !== 'identity' && encoding !== 'gzip')
      return { status: 415, body: { text: `Unsupported Content-Encoding: ${encoding}` } };
    const tooLargeReply = (n: number): Reply => ({
      status: 413,
      body: { text: `Content-Length of ${n} too large (maximum is ${this.maxBodyBytes})` },
    });
    if (oversize !== undefined) return tooLargeReply(oversize);
    let raw: Buffer;
    try {
      raw = encoding === 'gzip' ? gunzipSync(wire, { maxOutputLength: this.maxBodyBytes + 1 }) : wire;
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE')
        return tooLargeReply(this.maxBodyBytes + 1);
      return hecReply(6, { 'invalid-event-number': 0 });
    }
    if (raw.length > this.maxBodyBytes) return tooLargeReply(raw.length);
    if (this.options.keepBodies) this.bodies.push(raw);
    const text = raw.toString('utf8');
    if (text.trim() === '') return hecReply(5);

    const accepted: Record<string, unknown>[] = [];
    let failure: { code: number; index: number } | undefined;
    for (let pos = skipWhitespace(text, 0), i = 0; pos < text.length; pos = skipWhitespace(text, pos), i++) {
      const end = text[pos] === '{' ? objectEnd(text, pos) : -1;
      let envelope: unknown;
      if (end > 0) {
        try {
          envelope = JSON.parse(text.slice(pos, end));
        } catch {
          envelope = undefined;
        }
      }
      if (
        envelope === undefined ||
        envelope === null ||
        typeof envelope !== 'object' ||
        Array.isArray(envelope)
      ) {
        failure = { code: 6, index: i };
        break;
      }
      const code = this.validate(envelope as Record<string, unknown>, auth.spec);
      if (code !== undefined) {
        failure = { code, index: i };
        break;
      }
      accepted.push(envelope as Record<string, unknown>);
      pos = end;
    }

    if (failure && this.faults.wholeBatchRefusal) return hecReply(failure.code);
    const now = Date.now();
    const stored: IndexedEvent[] = [];
    // Success carries an ack id; a partial failure indexes the events before the bad one
    // without one (HEC's reply is an error, so there is nothing to acknowledge).
    let ackId: number | undefined;
    if (!failure && auth.spec.acks && auth.channel) {
      const state = this.channels.get(auth.channel) ?? { nextAckId: 0, acks: new Map<number, AckEntry>() };
      this.channels.set(auth.channel, state);
      ackId = state.nextAckId++;
      let lost = this.faults.acksNeverTrue;
      if (!lost && this.faults.loseAcks > 0) {
        this.faults.loseAcks--;
        lost = true;
      }
      const entry: AckEntry = {
        readyAt: lost ? Number.POSITIVE_INFINITY : now + this.faults.ackDelayMs,
        events: stored,
      };
      state.acks.set(ackId, entry);
      for (const envelope of accepted)
        stored.push({ envelope, channel: auth.channel, ackId, request: requestNo, at: now });
      for (const e of stored) this.ackEntryOf.set(e, entry);
    } else {
      for (const envelope of accepted)
        stored.push({ envelope, channel: auth.channel, request: requestNo, at: now });
    }
    this.indexed.push(...stored);
    if (failure) return hecReply(failure.code, { 'invalid-event-number': failure.index });
    return ackId === undefined ? hecReply(0) : hecReply(0, { ackId });
  }

  /** The HEC field rules for one envelope; an error code, or undefined when it is fine. */
  private validate(envelope: Record<string, unknown>, spec: HecTokenSpec): number | undefined {
    if (!('event' in envelope) || envelope.event === null || envelope.event === undefined) return 12;
    if (typeof envelope.event === 'string' && envelope.event.trim() === '') return 13;
    if ('fields' in envelope) {
      const fields = envelope.fields;
      if (fields === null || typeof fields !== 'object' || Array.isArray(fields)) return 15;
      for (const value of Object.values(fields as Record<string, unknown>)) {
        const ok =
          typeof value === 'string' || (Array.isArray(value) && value.every((v) => typeof v === 'string'));
        if (!ok) return 15;
      }
    }
    if ('time' in envelope) {
      const t = envelope.time;
      const ok =
        (typeof t === 'number' && Number.isFinite(t)) || (typeof t === 'string' && /^\d+(\.\d+)?$/.test(t));
      if (!ok) return 6;
    }
    for (const key of ['host', 'source', 'sourcetype', 'index']) {
      if (key in envelope && typeof envelope[key] !== 'string') return 6;
    }
    if (typeof envelope.index === 'string' && spec.indexes && !spec.indexes.includes(envelope.index))
      return 7;
    return this.faults.rejectEvent?.(envelope);
  }

  private ack(req: http.IncomingMessage, url: URL, body: Buffer): Reply {
    const auth = this.authenticate(req, url);
    if ('status' in auth) return auth;
    if (!auth.spec.acks) return hecReply(14);
    if (!auth.channel) return hecReply(10);
    let ids: unknown;
    try {
      ids = (JSON.parse(body.toString('utf8')) as { acks?: unknown }).acks;
    } catch {
      return hecReply(6);
    }
    if (!Array.isArray(ids) || !ids.every((id) => Number.isInteger(id) && id >= 0)) return hecReply(6);
    const state = this.channels.get(auth.channel);
    if (!state && this.options.unknownAckChannel === 'invalid_channel') return hecReply(11);
    const now = Date.now();
    const acks: Record<string, boolean> = {};
    for (const id of ids as number[]) {
      const entry = state?.acks.get(id);
      const ready = entry !== undefined && entry.readyAt <= now;
      // `true` is answered once; the id is then forgotten (later queries say false).
      if (ready) state?.acks.delete(id);
      acks[String(id)] = ready;
    }
    return { status: 200, body: { acks } };
  }
}

/** Starts a receiver on a free loopback port. */
export async function startHecReceiver(options: HecReceiverOptions = {}): Promise<HecReceiver> {
  const receiver = new HecReceiver(options);
  await receiver.start();
  return receiver;
}
