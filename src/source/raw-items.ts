/**
 * The text of each element of a page's top-level `"data"` array, sliced out of the body as
 * the API sent it. The pipeline carries every activity's JSON text (`format: raw`, the
 * content hash, dead letters); taking it from the body costs one character scan, where
 * serializing every parsed activity again cost more than parsing the page.
 *
 * Only compact elements are kept as sent. An element with whitespace between its tokens
 * (a pretty-printing server) comes back undefined: the caller serializes that one, so the
 * text is always one line — JSONL files and syslog frames depend on it. Anything that is not
 * the documented shape makes the whole answer undefined and the caller falls back to
 * serializing every element.
 */
export function dataItemTexts(body: string): (string | undefined)[] | undefined {
  const scanned = scanPageBody(body);
  return scanned?.items.map((text, i) => (scanned.spaced.has(i) ? undefined : text));
}

/** A page body's structure: the `data` elements' texts and every other top-level value's text. */
export interface ScannedPage {
  /** Each element's text as sent (with its whitespace, if it had any). */
  readonly items: string[];
  /** Where each element is in the body: start and end offsets, two per element. */
  readonly bounds: Int32Array;
  /** Elements with whitespace between their tokens: not one line, to serialize again. */
  readonly spaced: ReadonlySet<number>;
  /** The JSON text of each top-level value but `data` (`has_more`, `first_id`, …). */
  readonly fields: ReadonlyMap<string, string>;
}

/**
 * One scan of the body: what `dataItemTexts` gives, plus the other top-level values, so a
 * page can be held as text and its activities parsed only when they are taken (a page
 * waiting for a busy pipeline then costs its body, not its body and a tree of objects).
 * Undefined when the body is not an object with a `data` array whose brackets and strings
 * balance.
 */
export function scanPageBody(body: string): ScannedPage | undefined {
  const scanner = new Scanner(body);
  try {
    const items = scanner.dataItems();
    return items ? { items, bounds: Int32Array.from(scanner.bounds), spaced: scanner.spacedItems, fields: scanner.fields } : undefined;
  } catch (err) {
    if (err === MALFORMED) return undefined;
    throw err;
  }
}

const MALFORMED = Symbol('malformed');

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

class Scanner {
  private pos = 0;
  /** Whether the last value scanned had whitespace between its tokens. */
  private spaced = false;
  readonly fields = new Map<string, string>();
  readonly spacedItems = new Set<number>();
  readonly bounds: number[] = [];

  constructor(private readonly text: string) {}

  dataItems(): string[] | undefined {
    this.skipWhitespace();
    this.expect(OPEN_OBJECT);
    let items: string[] | undefined;
    this.skipWhitespace();
    if (this.peek() === CLOSE_OBJECT) return undefined;
    for (;;) {
      this.skipWhitespace();
      const keyStart = this.pos;
      this.skipString();
      const key = this.text.slice(keyStart + 1, this.pos - 1);
      this.skipWhitespace();
      this.expect(COLON);
      this.skipWhitespace();
      if (key === 'data' && this.peek() === OPEN_ARRAY) items = this.arrayItems();
      else {
        const start = this.pos;
        this.skipValue();
        this.fields.set(key, this.text.slice(start, this.pos));
      }
      this.skipWhitespace();
      const c = this.next();
      if (c === CLOSE_OBJECT) {
        this.skipWhitespace();
        if (this.pos !== this.text.length) throw MALFORMED;
        return items;
      }
      if (c !== COMMA) throw MALFORMED;
    }
  }

  private arrayItems(): string[] {
    // A repeated "data" key: the last one counts, as in JSON.parse.
    this.bounds.length = 0;
    this.spacedItems.clear();
    const items: string[] = [];
    this.expect(OPEN_ARRAY);
    this.skipWhitespace();
    if (this.peek() === CLOSE_ARRAY) {
      this.pos++;
      return items;
    }
    for (;;) {
      this.skipWhitespace();
      const start = this.pos;
      this.spaced = false;
      this.skipValue();
      if (this.spaced) this.spacedItems.add(items.length);
      items.push(this.text.slice(start, this.pos));
      this.bounds.push(start, this.pos);
      this.skipWhitespace();
      const c = this.next();
      if (c === CLOSE_ARRAY) return items;
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
    const text = this.text;
    while (this.pos < text.length) {
      const d = text.charCodeAt(this.pos);
      if (d === COMMA || d === CLOSE_ARRAY || d === CLOSE_OBJECT || isWhitespace(d)) break;
      this.pos++;
    }
    if (this.pos === start) throw MALFORMED;
  }

  private skipContainer(): void {
    const text = this.text;
    let depth = 0;
    while (this.pos < text.length) {
      const c = text.charCodeAt(this.pos);
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
    const text = this.text;
    if (text.charCodeAt(this.pos) !== QUOTE) throw MALFORMED;
    let i = this.pos + 1;
    for (;;) {
      const q = text.indexOf('"', i);
      if (q < 0) throw MALFORMED;
      // Escaped when preceded by an odd number of backslashes.
      let backslashes = 0;
      for (let b = q - 1; b > this.pos && text.charCodeAt(b) === BACKSLASH; b--) backslashes++;
      if (backslashes % 2 === 0) {
        this.pos = q + 1;
        return;
      }
      i = q + 1;
    }
  }

  private skipWhitespace(): void {
    const text = this.text;
    while (this.pos < text.length && isWhitespace(text.charCodeAt(this.pos))) this.pos++;
  }

  private peek(): number {
    return this.text.charCodeAt(this.pos);
  }

  private next(): number {
    return this.text.charCodeAt(this.pos++);
  }

  private expect(c: number): void {
    if (this.next() !== c) throw MALFORMED;
  }
}
