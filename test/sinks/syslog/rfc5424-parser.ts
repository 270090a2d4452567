/**
 * A strict RFC 5424 parser for the tests (the ABNF of §6, nothing lenient), so the
 * encoder's output is checked against the grammar rather than against itself.
 */
export interface ParsedRfc5424 {
  readonly pri: number;
  readonly version: string;
  readonly timestamp: string;
  readonly hostname: string;
  readonly appName: string;
  readonly procid: string;
  readonly msgid: string;
  readonly sd: Record<string, Record<string, string>>;
  readonly msg: Buffer;
}

const PRINTUSASCII = /^[!-~]+$/;
const SD_NAME = /^[!#-<>-\\^-~]{1,32}$/; // printable, without '=', ']', '"', ' '

function field(text: string, pos: number, max: number, name: string): [string, number] {
  const end = text.indexOf(' ', pos);
  if (end === -1) throw new Error(`${name}: no space after it`);
  const value = text.slice(pos, end);
  if (!PRINTUSASCII.test(value) || value.length > max)
    throw new Error(`${name} "${value}" is not 1–${max} printable US-ASCII characters`);
  return [value, end + 1];
}

export function parseRfc5424(message: Buffer): ParsedRfc5424 {
  // The header and structured data are ASCII except PARAM-VALUEs (UTF-8): decode as
  // UTF-8 up to the end of SD, keep MSG as bytes.
  const text = message.toString('utf8');
  const m = /^<(\d{1,3})>([1-9]\d{0,2}) /.exec(text);
  if (!m) throw new Error(`no <PRI>VERSION: ${text.slice(0, 20)}`);
  const pri = Number(m[1]);
  if (pri > 191 || (m[1].length > 1 && m[1].startsWith('0'))) throw new Error(`bad PRI ${m[1]}`);
  let pos = m[0].length;
  let timestamp: string;
  [timestamp, pos] = field(text, pos, 64, 'TIMESTAMP');
  if (
    timestamp !== '-' &&
    !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$/.test(timestamp)
  ) {
    throw new Error(`TIMESTAMP ${timestamp} is not RFC 5424 (at most 6 fraction digits)`);
  }
  let hostname: string, appName: string, procid: string, msgid: string;
  [hostname, pos] = field(text, pos, 255, 'HOSTNAME');
  [appName, pos] = field(text, pos, 48, 'APP-NAME');
  [procid, pos] = field(text, pos, 128, 'PROCID');
  [msgid, pos] = field(text, pos, 32, 'MSGID');
  const sd: Record<string, Record<string, string>> = {};
  if (text[pos] === '-') pos++;
  else {
    while (text[pos] === '[') {
      pos++;
      const idEnd = text.slice(pos).search(/[ \]]/);
      if (idEnd === -1) throw new Error('unterminated SD-ELEMENT');
      const id = text.slice(pos, pos + idEnd);
      if (!SD_NAME.test(id)) throw new Error(`bad SD-ID "${id}"`);
      if (sd[id]) throw new Error(`SD-ID ${id} repeats`);
      sd[id] = {};
      pos += idEnd;
      while (text[pos] === ' ') {
        pos++;
        const eq = text.indexOf('=', pos);
        const name = text.slice(pos, eq);
        if (!SD_NAME.test(name)) throw new Error(`bad PARAM-NAME "${name}"`);
        if (text[eq + 1] !== '"') throw new Error(`PARAM-VALUE of ${name} is not quoted`);
        pos = eq + 2;
        let value = '';
        for (;;) {
          const c = text[pos];
          if (c === undefined) throw new Error(`unterminated PARAM-VALUE of ${name}`);
          if (c === '\\' && ['"', '\\', ']'].includes(text[pos + 1])) {
            value += text[pos + 1];
            pos += 2;
          } else if (c === '"') {
            pos++;
            break;
          } else if (c === ']') {
            throw new Error(`unescaped "]" in PARAM-VALUE of ${name}`);
          } else {
            value += c;
            pos++;
          }
        }
        sd[id][name] = value;
      }
      if (text[pos] !== ']') throw new Error(`SD-ELEMENT ${id} not closed at ${pos}`);
      pos++;
    }
  }
  let msg: Buffer = Buffer.alloc(0);
  if (pos < text.length) {
    if (text[pos] !== ' ') throw new Error('no space before MSG');
    const headBytes = Buffer.byteLength(text.slice(0, pos + 1));
    msg = message.subarray(headBytes);
  }
  return { pri, version: m[2], timestamp, hostname, appName, procid, msgid, sd, msg };
}

/** Splits an octet-counted stream into messages; throws on any framing error. */
export function splitOctetCounted(stream: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let pos = 0;
  while (pos < stream.length) {
    const space = stream.indexOf(0x20, pos);
    const lenText = stream.subarray(pos, space).toString('ascii');
    if (space === -1 || !/^[1-9]\d*$/.test(lenText))
      throw new Error(`bad octet count at ${pos}: "${lenText.slice(0, 12)}"`);
    const len = Number(lenText);
    if (space + 1 + len > stream.length) throw new Error(`frame at ${pos} runs past the end`);
    out.push(stream.subarray(space + 1, space + 1 + len));
    pos = space + 1 + len;
  }
  return out;
}
