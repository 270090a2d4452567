import { z } from 'zod';
import { batchSchema, duration, outputFormat, retrySchema, sizeString } from '../../config/fields';
import { tlsSchema } from '../../util/tls';
import { parseAddress } from './address';
import { refuseAccidentalPlaintext, type PlaintextPath } from '../../config/plaintext';
import { FACILITY_NAMES } from './header';
import { leefDelimiterProblem } from '../../normalize';

/** Printable US-ASCII (33–126), the character set of every RFC 5424 header field. */
const PRINTABLE_ASCII = /^[!-~]+$/;

/** The largest UDP payload IPv4 can carry; anything bigger fails with EMSGSIZE. */
export const UDP_MAX_DATAGRAM = 65_507;
/** RFC 5426: stay at or below 2048 bytes unless the path is known to take more. */
export const UDP_DEFAULT_MESSAGE_BYTES = 2048;
/** rsyslog and syslog-ng accept 64 KiB once configured to (rsyslog's default is 8 KiB). */
export const STREAM_DEFAULT_MESSAGE_BYTES = 64 * 1024;
/** Room for a header, the structured data and the truncation marker. */
export const MIN_MESSAGE_BYTES = 1024;

const facility = z.union(
  [
    z.number().int().min(0).max(23),
    z.enum(Object.keys(FACILITY_NAMES) as [string, ...string[]]).transform((name) => FACILITY_NAMES[name]),
  ],
  { error: `expected a facility number 0–23 or one of ${Object.keys(FACILITY_NAMES).join(', ')}` },
);

export const syslogSinkConfig = z
  .strictObject({
    type: z.literal('syslog'),
    /** `host:port`, `[ipv6]:port`; the port defaults to 514 (udp, tcp) or 6514 (tls). */
    address: z.string().min(1),
    transport: z.enum(['udp', 'tcp', 'tls'], { error: 'expected one of udp, tcp, tls' }).default('tls'),
    format: z
      .enum(['rfc5424', 'rfc3164', 'cef', 'leef'], { error: 'expected one of rfc5424, rfc3164, cef, leef' })
      .default('rfc5424'),
    /** TCP only: TLS is always octet counting (RFC 5425) and UDP sends one message per datagram. */
    framing: z.enum(['octet_counting', 'lf'], { error: 'expected octet_counting or lf' }).optional(),
    /**
     * LEEF 2.0 attribute delimiter (one character; default TAB). rsyslog relays write TAB
     * as `#011` unless told not to: `"^"` survives every relay.
     */
    leef_delimiter: z.string().optional(),
    /** The body of rfc5424 / rfc3164 messages (cef and leef carry their own payload). */
    payload_format: outputFormat.default('ocsf'),
    facility: facility.default(FACILITY_NAMES.authpriv),
    app_name: z
      .string()
      .regex(/^[!-~]{1,48}$/, 'app_name must be 1–48 printable ASCII characters without spaces')
      .refine(
        (v) => !/[[\]:]/.test(v),
        'app_name must not contain "[", "]" or ":" (they delimit the RFC 3164 tag)',
      )
      .default('claude-audit-forwarder'),
    /** Overrides this host's name in the HOSTNAME field. */
    hostname: z
      .string()
      .max(255)
      .regex(PRINTABLE_ASCII, 'hostname must be printable ASCII without spaces')
      .optional(),
    /** Private enterprise number of the structured-data ID `claude@<n>` (32473 is the documentation number). */
    enterprise_id: z.number().int().positive().default(32473),
    /** RFC 5424: start MSG with the UTF-8 byte-order mark, as the RFC asks for UTF-8 text. */
    bom: z.boolean().default(true),
    /** Longest message (header included, framing excluded); longer ones are truncated with a marker. */
    max_message_bytes: sizeString.optional(),
    connect_timeout: duration('10s'),
    /** A batch whose bytes the connection has not taken after this long marks the connection dead. */
    write_timeout: duration('30s'),
    /**
     * How long a connection must stay up after a batch's bytes were written before the
     * batch counts as delivered (see stream-connection.ts). Syslog has no acknowledgement:
     * this is the window in which a receiver that stopped reading (restart, crash) resets
     * the connection and the batch is resent. rsyslog keeps its sockets open while it
     * drains its queues on shutdown, which takes up to a second on a busy host. `0s` acks
     * on the write callback alone (Vector, Fluent Bit), trading safety for latency.
     */
    ack_delay: duration('1s'),
    /** Waits between attempts to reconnect and resend a batch. */
    retry: retrySchema,
    tls: tlsSchema.optional(),
    /** transport udp or tcp to a host other than loopback is refused unless this is set. */
    allow_plaintext: z.boolean().default(false),
    // Batches in flight share the connection and overlap their ack_delay windows:
    // 8 × 500 events per second at the default ack_delay.
    batch: batchSchema({ max_events: 500, max_bytes: '1MiB', timeout: '200ms', concurrency: 8 }),
  })
  .superRefine((cfg, ctx) => {
    const address = parseAddress(cfg.address, cfg.transport);
    if (typeof address === 'string') ctx.addIssue({ code: 'custom', path: ['address'], message: address });
    else refuseAccidentalPlaintext(syslogPlaintextPath(cfg), cfg.allow_plaintext, ctx);
    if (cfg.framing === 'lf' && cfg.transport !== 'tcp') {
      ctx.addIssue({
        code: 'custom',
        path: ['framing'],
        message: `lf framing applies to transport: tcp only (${cfg.transport === 'tls' ? 'RFC 5425 TLS is always octet counting' : 'UDP sends one message per datagram'}); remove framing`,
      });
    }
    if (cfg.tls && cfg.transport !== 'tls') {
      ctx.addIssue({
        code: 'custom',
        path: ['tls'],
        message: 'tls settings need transport: tls; set transport: tls or remove the tls section',
      });
    }
    if (cfg.format !== 'rfc5424' && cfg.app_name.length > 32) {
      ctx.addIssue({
        code: 'custom',
        path: ['app_name'],
        message: `an RFC 3164 tag is at most 32 characters; shorten app_name for format: ${cfg.format}`,
      });
    }
    const max = cfg.max_message_bytes;
    if (max !== undefined) {
      if (max < MIN_MESSAGE_BYTES) {
        ctx.addIssue({
          code: 'custom',
          path: ['max_message_bytes'],
          message: `must be at least ${MIN_MESSAGE_BYTES} bytes (room for the header and structured data)`,
        });
      }
      if (cfg.transport === 'udp' && max > UDP_MAX_DATAGRAM) {
        ctx.addIssue({
          code: 'custom',
          path: ['max_message_bytes'],
          message: `a UDP datagram carries at most ${UDP_MAX_DATAGRAM} bytes; lower it (2048 is safe on any path)`,
        });
      }
    }
    if (cfg.leef_delimiter !== undefined) {
      const problem = leefDelimiterProblem(cfg.leef_delimiter);
      if (problem) ctx.addIssue({ code: 'custom', path: ['leef_delimiter'], message: problem });
      else if (cfg.format !== 'leef')
        ctx.addIssue({
          code: 'custom',
          path: ['leef_delimiter'],
          message: 'applies to format: leef only; remove it',
        });
    }
  });

export type SyslogSinkConfig = z.output<typeof syslogSinkConfig>;
export type SyslogFormat = SyslogSinkConfig['format'];
export type SyslogTransport = SyslogSinkConfig['transport'];
export type SyslogFraming = 'octet_counting' | 'lf' | 'datagram';

/** UDP and TCP carry every message in clear. */
export function syslogPlaintextPath(
  cfg: Pick<SyslogSinkConfig, 'transport' | 'address'>,
): PlaintextPath | undefined {
  if (cfg.transport === 'tls') return undefined;
  const address = parseAddress(cfg.address, cfg.transport);
  return {
    field: 'transport',
    hosts: typeof address === 'string' ? [] : [address.host],
    fix: 'set transport: tls (RFC 5425, port 6514) if the receiver offers it',
  };
}

/** The framing actually used on the wire for a transport. */
export function effectiveFraming(cfg: Pick<SyslogSinkConfig, 'transport' | 'framing'>): SyslogFraming {
  if (cfg.transport === 'udp') return 'datagram';
  if (cfg.transport === 'tls') return 'octet_counting';
  return cfg.framing ?? 'octet_counting';
}

export function effectiveMaxMessageBytes(
  cfg: Pick<SyslogSinkConfig, 'transport' | 'max_message_bytes'>,
): number {
  return (
    cfg.max_message_bytes ??
    (cfg.transport === 'udp' ? UDP_DEFAULT_MESSAGE_BYTES : STREAM_DEFAULT_MESSAGE_BYTES)
  );
}
