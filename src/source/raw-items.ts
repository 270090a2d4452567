/**
 * The text of each element of a page's top-level `"data"` array, sliced out of the body as
 * the API sent it. The pipeline carries every activity's JSON text (`format: raw`, the
 * content hash, dead letters); taking it from the body costs one scan, where serializing
 * every parsed activity again cost more than parsing the page.
 *
 * Only compact elements are kept as sent. An element with whitespace between its tokens
 * (a pretty-printing server) comes back undefined: the caller serializes that one, so the
 * text is always one line — JSONL files and syslog frames depend on it. Anything that is not
 * the documented shape makes the whole answer undefined and the caller falls back to
 * serializing every element.
 */
export function dataItemTexts(body: string | Buffer): (string | undefined)[] | undefined {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  const scanned = scanPageBody(bytes);
  return (
    scanned &&
    Array.from({ length: scanned.bounds.length / 2 }, (_, i) =>
      scanned.spaced.has(i) ? undefined : itemText(bytes, scanned.bounds, i),
    )
  );
}

/** Element `i`'s text, decoded from its bytes (one element of `scanPageBody`'s bounds). */
export function itemText(body: Buffer, bounds: Int32Array, i: number): string {
  return body.toString('utf8', bounds[2 * i], bounds[2 * i + 1]);
}

/** A page body's structure: where each `data` element is, and every other top-level value's text. */
export interface ScannedPage {
  /** Where each element is in the body: start and end byte offsets, two per element. */
  readonly bounds: Int32Array;
  /** Elements with whitespace between their tokens: not one line, to serialize again. */
  readonly spaced: ReadonlySet<number>;
  /** The JSON text of each top-level value but `data` (`has_more`, `first_id`, …). */
  readonly fields: ReadonlyMap<string, string>;
}

/**
 * One scan of the body's bytes, as they came off the wire: a page can then be held as bytes
 * and its activities decoded and parsed only when they are taken (a page waiting for a busy
 * pipeline costs its body, not its body and a tree of objects). The scan reads UTF-8
 * directly: every byte JSON's structure depends on is ASCII, and no byte of a multi-byte
 * character is. Decoding each page whole first, once here and again when it was taken,
 * allocated two strings the size of the page per page. A UTF-8 byte order mark is skipped,
 * as decoding the body as text did. Undefined when the body is not an object with a `data`
 * array whose brackets and strings balance.
 */
export function scanPageBody(body: Buffer): ScannedPage | undefined {
  const scanner = new Scanner(body);
  try {
    return scanner.scan()
      ? { bounds: Int32Array.from(scanner.bounds), spaced: scanner.spacedItems, fields: scanner.fields }
      : undefined;
  } catch (err) {
    if (err === MALFORMED) return undefined;
    throw err;
  }
}

/**
 * The top-level fields of one JSON object whose values are at most `maxValueBytes` long
 * (ids, type, created_at), as JSON texts; longer values are skipped, never decoded.
 * Undefined when `body` is not an object that balances.
 */
export function shortFields(body: Buffer, maxValueBytes = 1024): ReadonlyMap<string, string> | undefined {
  const scanner = new Scanner(body, maxValueBytes);
  try {
    scanner.scan();
    return scanner.fields;
  } catch (err) {
    if (err === MALFORMED) return undefined;
    throw err;
  }
}

// One shared instance: throwing it again captures no new stack, so malformed input stays cheap.
const MALFORMED = new Error('malformed');

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

function isWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

const hasByteOrderMark = (b: Buffer): boolean =>
  b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf;

class Scanner {
  private pos: number;
  /** Whether the last value scanned had whitespace between its tokens. */
  private spaced = false;
  readonly fields = new Map<string, string>();
  readonly spacedItems = new Set<number>();
  readonly bounds: number[] = [];

  constructor(
    private readonly bytes: Buffer,
    /** Top-level values longer than this are skipped, not kept in `fields`. */
    private readonly maxFieldBytes = Number.POSITIVE_INFINITY,
  ) {
    this.pos = hasByteOrderMark(bytes) ? 3 : 0;
  }

  /** True when the body is an object holding a `data` array (the bounds are then its elements'). */
  scan(): boolean {
    this.skipWhitespace();
    this.expect(OPEN_OBJECT);
    let found = false;
    this.skipWhitespace();
    if (this.peek() === CLOSE_OBJECT) return false;
    for (;;) {
      this.skipWhitespace();
      const keyStart = this.pos;
      this.skipString();
      const key = this.bytes.toString('utf8', keyStart + 1, this.pos - 1);
      this.skipWhitespace();
      this.expect(COLON);
      this.skipWhitespace();
      if (key === 'data' && this.peek() === OPEN_ARRAY) found = this.arrayItems();
      else {
        const start = this.pos;
        this.skipValue();
        if (this.pos - start <= this.maxFieldBytes)
          this.fields.set(key, this.bytes.toString('utf8', start, this.pos));
      }
      this.skipWhitespace();
      const c = this.next();
      if (c === CLOSE_OBJECT) {
        this.skipWhitespace();
        if (this.pos !== this.bytes.length) throw MALFORMED;
        return found;
      }
      if (c !== COMMA) throw MALFORMED;
    }
  }

  private arrayItems(): true {
    // A repeated "data" key: the last one counts, as in JSON.parse.
    this.bounds.length = 0;
    this.spacedItems.clear();
    this.expect(OPEN_ARRAY);
    this.skipWhitespace();
    if (this.peek() === CLOSE_ARRAY) {
      this.pos++;
      return true;
    }
    for (let count = 0; ; count++) {
      this.skipWhitespace();
      const start = this.pos;
      this.spaced = false;
      this.skipValue();
      if (this.spaced) this.spacedItems.add(count);
      this.bounds.push(start, this.pos);
      this.skipWhitespace();
      const c = this.next();
      if (c === CLOSE_ARRAY) return true;
      if (c !== COMMA) throw MALFORMED;
    }
  }

  /** Skips one JSON value of any kind, noting whitespace inside it. */
  private skipValue(): void {
    const c = this.peek();
    if (c === QUOTE) return this.skipString();
    if (c === OPEN_OBJECT || c === OPEN_ARRAY) return this.skipContainer();
    // A number, true, false or null: up to the next delimiter.
    const start = this.pos;
    const bytes = this.bytes;
    while (this.pos < bytes.length) {
      const d = bytes[this.pos];
      if (d === COMMA || d === CLOSE_ARRAY || d === CLOSE_OBJECT || isWhitespace(d)) break;
      this.pos++;
    }
    if (this.pos === start) throw MALFORMED;
  }

  private skipContainer(): void {
    const bytes = this.bytes;
    let depth = 0;
    while (this.pos < bytes.length) {
      const c = bytes[this.pos];
      if (c === QUOTE) {
        this.skipString();
        continue;
      }
      this.pos++;
      if (c === OPEN_OBJECT || c === OPEN_ARRAY) depth++;
      else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
        if (--depth === 0) return;
      } else if (isWhitespace(c)) this.spaced = true;
    }
    throw MALFORMED;
  }

  /** From an opening quote to just past its closing quote. */
  private skipString(): void {
    const bytes = this.bytes;
    if (bytes[this.pos] !== QUOTE) throw MALFORMED;
    let i = this.pos + 1;
    for (;;) {
      const q = bytes.indexOf(QUOTE, i);
      if (q < 0) throw MALFORMED;
      // Escaped when preceded by an odd number of backslashes.
      let backslashes = 0;
      for (let b = q - 1; b > this.pos && bytes[b] === BACKSLASH; b--) backslashes++;
      if (backslashes % 2 === 0) {
        this.pos = q + 1;
        return;
      }
      i = q + 1;
    }
  }

  private skipWhitespace(): void {
    const bytes = this.bytes;
    while (this.pos < bytes.length && isWhitespace(bytes[this.pos])) this.pos++;
  }

  /** The byte at the scan position; NaN past the end, as charCodeAt gave (it matches nothing). */
  private peek(): number {
    return this.pos < this.bytes.length ? this.bytes[this.pos] : Number.NaN;
  }

  private next(): number {
    return this.pos < this.bytes.length ? this.bytes[this.pos++] : (this.pos++, Number.NaN);
  }

  private expect(c: number): void {
    if (this.next() !== c) throw MALFORMED;
  }
}
