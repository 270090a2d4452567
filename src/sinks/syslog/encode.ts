import type { PipelineRecord } from '../../pipeline/record';
import type { EncodedRecord } from '../sink';
import type { OutputFormat } from '../../config/fields';
import { PermanentError, errorMessage } from '../../util/errors';
import type { SyslogFormat, SyslogFraming } from './config';
import {
  APP_NAME_MAX,
  HOSTNAME_MAX,
  NILVALUE,
  PROCID_MAX,
  headerField,
  msgidForType,
  pri,
  rfc3164Hostname,
  rfc3164Tag,
  rfc3164Timestamp,
  rfc5424Timestamp,
} from './header';
import { sdElement, sdParams } from './structured-data';
import { bodyEncoder, type BodyEncoder } from './payload';
import { ocsfSeverityId, syslogSeverity } from '../../normalize';

/**
 * Record → the exact bytes written to the wire: header, structured data, body, truncation
 * and framing. Pure: every choice that could break a receiver's parsing is made here, where
 * it can be tested without a socket.
 */

export interface SyslogFrame extends EncodedRecord {
  /** The framed message: `LEN SP MSG` (octet counting), `MSG LF`, or one datagram. */
  readonly frame: Buffer;
  /** Set when the message was cut to fit max_message_bytes: its length before the cut. */
  readonly truncatedFrom?: number;
}

export interface SyslogEncoderOptions {
  readonly format: SyslogFormat;
  readonly payloadFormat: OutputFormat;
  readonly framing: SyslogFraming;
  readonly facility: number;
  readonly hostname: string;
  readonly appName: string;
  readonly procid: string;
  readonly enterpriseId: number;
  readonly bom: boolean;
  readonly maxMessageBytes: number;
  readonly leefDelimiter?: string;
}

/** Appended to a cut message, so a reader (and a search) can tell it is incomplete. */
export const TRUNCATION_MARKER = '…[truncated]';
const MARKER = Buffer.from(TRUNCATION_MARKER);
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const SPACE = Buffer.from(' ');

/**
 * CR and LF end a message under LF framing, and receivers mangle other control characters
 * (rsyslog writes them as `#012`, `#007`…; NUL ends C strings). In the JSON bodies CR and
 * LF can only be whitespace between tokens (JSON escapes them inside strings), so a space
 * is a faithful replacement. Any other control character can only come from a CEF or LEEF
 * value: it becomes U+FFFD, visibly replaced. TAB stays: it is LEEF's default delimiter.
 */
export function withoutControlCharacters(text: string): string {
  // One scan for the usual case (nothing to replace) instead of two replacing passes.
  if (!CONTROL_CHARACTER.test(text)) return text;
  return text.replace(/[\r\n]/g, ' ').replace(/[\u0000-\u0008\u000b-\u001f]/g, '\uFFFD');
}

const CONTROL_CHARACTER = /[\u0000-\u0008\u000a-\u001f]/;

/** The longest prefix of `buf` of at most `max` bytes that does not split a UTF-8 character. */
export function utf8Prefix(buf: Buffer, max: number): Buffer {
  if (buf.length <= max) return buf;
  let end = Math.max(0, max);
  // Step back over continuation bytes (10xxxxxx) to the start of the character being cut.
  while (end > 0 && (buf[end] & 0xc0) === 0x80) end--;
  return buf.subarray(0, end);
}

/**
 * A frame waits in the pipeline until its batch is acknowledged; the buffers it was built
 * from are garbage at once. Small Buffers are slices of Node's shared 8 KiB pool, and one
 * kept slice keeps its whole slab alive: copied into memory of its own, a full buffer of
 * 10 000 frames held ~25 MB instead of ~57 MB (measured by the chaos backpressure scenario).
 */
function ownMemory(buf: Buffer): Buffer {
  if (buf.byteOffset === 0 && buf.buffer.byteLength === buf.length) return buf;
  const copy = Buffer.allocUnsafeSlow(buf.length);
  buf.copy(copy);
  return copy;
}

export class SyslogEncoder {
  private readonly hostname5424: string;
  private readonly appName5424: string;
  private readonly procid5424: string;
  private readonly hostname3164: string;
  private readonly tag3164: string;
  private readonly sdId: string;
  private readonly body: BodyEncoder;

  constructor(private readonly opts: SyslogEncoderOptions) {
    this.body = bodyEncoder(opts.format, opts.payloadFormat, opts.leefDelimiter);
    this.hostname5424 = headerField(opts.hostname, HOSTNAME_MAX);
    this.appName5424 = headerField(opts.appName, APP_NAME_MAX);
    this.procid5424 = headerField(opts.procid, PROCID_MAX);
    this.hostname3164 = rfc3164Hostname(opts.hostname);
    this.tag3164 = rfc3164Tag(opts.appName);
    this.sdId = `claude@${opts.enterpriseId}`;
  }

  encode(record: PipelineRecord): SyslogFrame {
    let body: string;
    try {
      body = withoutControlCharacters(this.body(record));
    } catch (err) {
      throw new PermanentError(
        `cannot encode activity ${record.activity.id} as ${this.opts.format}: ${errorMessage(err)}`,
        { cause: err },
      );
    }
    const head = this.head(record, true);
    const bom = this.opts.format === 'rfc5424' && this.opts.bom;
    const total = Buffer.byteLength(head) + (bom ? BOM.length : 0) + Buffer.byteLength(body);
    if (total <= this.opts.maxMessageBytes) {
      const frame = this.frameWhole(total, head, bom, body);
      return { record, frame, size: frame.length };
    }
    const { message, truncatedFrom } = this.message(record, Buffer.from(body));
    const frame = ownMemory(this.frame(message));
    return { record, frame, size: frame.length, ...(truncatedFrom !== undefined ? { truncatedFrom } : {}) };
  }

  /**
   * The frame of a message that fits, written straight into one buffer: this runs once per
   * event, and building it from intermediate buffers cost four allocations and copies where
   * one does. With no intermediate buffers, consecutive frames fill the shared pool's slabs
   * between them, so a kept frame no longer pins a slab of garbage (what ownMemory guards
   * against) and needs no copy of its own.
   */
  private frameWhole(messageBytes: number, head: string, bom: boolean, body: string): Buffer {
    const prefix = this.opts.framing === 'octet_counting' ? `${messageBytes} ` : '';
    const lf = this.opts.framing === 'lf' ? 1 : 0;
    const frame = Buffer.allocUnsafe(prefix.length + messageBytes + lf);
    let at = frame.write(prefix, 0, 'latin1');
    at += frame.write(head, at);
    if (bom) at += BOM.copy(frame, at);
    at += frame.write(body, at);
    if (lf) frame[at++] = 0x0a;
    if (at !== frame.length)
      throw new Error(`syslog frame of activity ${head.length} bytes mis-sized (${at} of ${frame.length})`);
    return frame;
  }

  /** Header (+ structured data) and body, cut to max_message_bytes if need be. */
  private message(record: PipelineRecord, body: Buffer): { message: Buffer; truncatedFrom?: number } {
    const bom = this.opts.format === 'rfc5424' && this.opts.bom ? BOM : Buffer.alloc(0);
    let head = Buffer.from(this.head(record, true));
    const total = head.length + bom.length + body.length;
    const max = this.opts.maxMessageBytes;
    if (total <= max) return { message: Buffer.concat([head, bom, body]) };

    let budget = max - head.length - bom.length - MARKER.length;
    if (budget < 0) {
      // Only a pathological hostname or actor fills the budget with header alone: keep
      // the element's id and type, which are what a reader needs to find the event.
      head = Buffer.from(this.head(record, false));
      budget = max - head.length - bom.length - MARKER.length;
      if (budget < 0) {
        throw new PermanentError(
          `the syslog header of activity ${record.activity.id} alone exceeds max_message_bytes (${max})`,
        );
      }
    }
    return { message: Buffer.concat([head, bom, utf8Prefix(body, budget), MARKER]), truncatedFrom: total };
  }

  /** Everything before the body, including the separating space. */
  private head(record: PipelineRecord, fullSd: boolean): string {
    const a = record.activity;
    // The same severity as OCSF severity_id, CEF and LEEF carry (src/normalize/severity.ts).
    const prival = pri(this.opts.facility, syslogSeverity(ocsfSeverityId(a)));
    if (this.opts.format === 'rfc5424') {
      const params = sdParams(a);
      const sd = sdElement(
        this.sdId,
        fullSd ? params : params.filter((p) => p.name === 'id' || p.name === 'type'),
      );
      return `${prival}1 ${rfc5424Timestamp(a.created_at)} ${this.hostname5424} ${this.appName5424} ${this.procid5424} ${msgidForType(a.type)} ${sd} `;
    }
    const ts = rfc3164Timestamp(a.created_at);
    // CEF and LEEF follow their vendors' examples: the payload right after the hostname,
    // where ArcSight and QRadar look for `CEF:` / `LEEF:`.
    if (this.opts.format === 'cef' || this.opts.format === 'leef')
      return `${prival}${ts} ${this.hostname3164} `;
    const pid = this.procid5424 === NILVALUE ? '' : `[${this.procid5424}]`;
    return `${prival}${ts} ${this.hostname3164} ${this.tag3164}${pid}: `;
  }

  private frame(message: Buffer): Buffer {
    switch (this.opts.framing) {
      case 'octet_counting':
        // RFC 6587 §3.4.1: the count is of bytes, not characters.
        return Buffer.concat([Buffer.from(String(message.length)), SPACE, message]);
      case 'lf':
        return Buffer.concat([message, Buffer.from('\n')]);
      case 'datagram':
        return message;
    }
  }
}
