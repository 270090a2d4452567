import type { Activity } from '../../../src/source/activity';
import type { PipelineRecord } from '../../../src/pipeline/record';
import { SyslogSink } from '../../../src/sinks/syslog';
import { syslogSinkConfig } from '../../../src/sinks/syslog/config';
import { silentLogger } from '../../../src/observability/logger';

/** Activities and sinks for the syslog tests. */

let counter = 0;

export function activity(overrides: Partial<Activity> & Record<string, unknown> = {}): Activity {
  counter++;
  return {
    id: `activity_01SYSLOG${String(counter).padStart(8, '0')}`,
    created_at: '2026-03-04T05:06:07.123456Z',
    organization_id: 'org_01TESTORG',
    organization_uuid: '8d1b6f1e-0000-4000-8000-000000000001',
    type: 'org_user_invite_sent',
    actor: {
      type: 'user_actor',
      user_id: 'user_01TESTUSER',
      email_address: 'alice@example.com',
      ip_address: '192.0.2.10',
      user_agent: 'Mozilla/5.0',
    },
    ...overrides,
  };
}

export function record(a: Activity, seq = counter): PipelineRecord {
  return { seq, activity: a, raw: JSON.stringify(a) };
}

export function records(n: number, make: (i: number) => Activity = () => activity()): PipelineRecord[] {
  return Array.from({ length: n }, (_, i) => record(make(i), i));
}

/**
 * Values chosen to break a careless encoder: syslog and SD metacharacters, CEF/LEEF
 * delimiters, line breaks that would split an LF-framed message, a value that is a whole
 * forged syslog message, non-ASCII text and a long string.
 */
export const HOSTILE_VALUES: readonly string[] = [
  'quote " and backslash \\ and bracket ] and [ and }',
  'pipes | and equals = and caret ^ and tab \t here',
  'line\nbreak and carriage\r\nreturn',
  '\n<13>1 2026-01-01T00:00:00Z forged-host forged-app - FORGED - forged message\n',
  '<13>Jan  1 00:00:00 forged-host forged[1]: looks like a header',
  '12 <13>1 - - - - - - octet-count forgery',
  'unicode: é ü ñ 中文 日本語 😀 𝄞 \u200b zero-width',
  'nul \u0000 and del \u007f and bell \u0007',
  'x'.repeat(3 * 1024),
  ']"\\'.repeat(300),
];

/** An activity whose every string field a sink might carry is hostile value `v`. */
export function hostileActivity(v: string, i: number): Activity {
  return activity({
    type: 'org_user_invite_sent',
    invited_email: v,
    note: v,
    actor: {
      type: 'user_actor',
      user_id: `user_${i}`,
      email_address: v,
      ip_address: '2001:db8::1',
      user_agent: v,
    },
  });
}

export interface TestSinkOptions {
  readonly [field: string]: unknown;
}

/** Builds a sink from the config a user would write (parsed by the real schema). */
export function makeSink(config: TestSinkOptions, name = 'syslog_test'): SyslogSink {
  const parsed = syslogSinkConfig.parse({ type: 'syslog', ...config });
  return new SyslogSink(name, parsed, {
    logger: silentLogger,
    hostname: 'test-host.example',
    version: '0.0.0-test',
    baseDir: process.cwd(),
  });
}

/** Encodes records and sends them in batches of `batchSize`, one batch after another. */
export async function sendAll(
  sink: SyslogSink,
  recs: readonly PipelineRecord[],
  batchSize = 50,
  signal = new AbortController().signal,
): Promise<void> {
  for (let i = 0; i < recs.length; i += batchSize) {
    const batch = recs.slice(i, i + batchSize).map((r) => sink.encode(r));
    const result = await sink.send(batch, signal);
    if (result.rejected.length > 0)
      throw new Error(`rejected: ${result.rejected.map((r) => r.reason).join('; ')}`);
  }
}

/** MSG without the UTF-8 BOM rsyslog keeps. */
export function stripBom(msg: string): string {
  return msg.startsWith('\uFEFF') ? msg.slice(1) : msg;
}

/**
 * What the pipeline does with a sink, in miniature: batches of `batchSize`, up to
 * `concurrency` in flight, each acknowledged when `send` resolves. Returns the ids in the
 * order they were acknowledged.
 */
export async function drive(
  sink: SyslogSink,
  recs: readonly PipelineRecord[],
  opts: { batchSize: number; concurrency: number; signal?: AbortSignal; onAck?: (ids: string[]) => void },
): Promise<string[]> {
  const acked: string[] = [];
  let next = 0;
  const signal = opts.signal ?? new AbortController().signal;
  const worker = async (): Promise<void> => {
    while (next < recs.length) {
      const batch = recs.slice(next, next + opts.batchSize);
      next += batch.length;
      const result = await sink.send(
        batch.map((r) => sink.encode(r)),
        signal,
      );
      if (result.rejected.length > 0) throw new Error('unexpected rejection');
      const ids = batch.map((r) => r.activity.id);
      acked.push(...ids);
      opts.onAck?.(ids);
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  return acked;
}
