/**
 * A JSON parser that refuses what `JSON.parse` lets through silently (spec §3.10.4): a
 * member name repeated in one object (also when spelled with different escapes), an unpaired
 * surrogate escape, and trailing content. Numbers keep their text, so an index can be checked
 * as a plain integer without losing precision.
 */
export type StrictValue =
  | null
  | boolean
  | string
  | { readonly kind: 'number'; readonly text: string }
  | readonly StrictValue[]
  | StrictObject;

/** Members in the order served; names are unique. */
export type StrictObject = ReadonlyMap<string, StrictValue>;

export class StrictJsonError extends Error {}

export function isStrictObject(value: StrictValue): value is StrictObject {
  return value instanceof Map;
}

export function parseStrictJson(text: string): StrictValue {
  const parser = new Parser(text);
  parser.skipSpace();
  const value = parser.value();
  parser.skipSpace();
  if (parser.pos !== text.length) throw new StrictJsonError('trailing content after the value');
  return value;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

class Parser {
  pos = 0;
  constructor(private readonly text: string) {}

  skipSpace(): void {
    while (/[ \t\n\r]/.test(this.text[this.pos] ?? '')) this.pos++;
  }

  value(): StrictValue {
    const c = this.text[this.pos];
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"') return this.string();
    for (const [word, v] of [
      ['null', null],
      ['true', true],
      ['false', false],
    ] as const) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return v;
      }
    }
    NUMBER.lastIndex = this.pos;
    const m = NUMBER.exec(this.text);
    if (!m) throw new StrictJsonError(`unexpected character at ${this.pos}`);
    this.pos += m[0].length;
    return { kind: 'number', text: m[0] };
  }

  private expect(c: string): void {
    if (this.text[this.pos] !== c) throw new StrictJsonError(`expected '${c}' at ${this.pos}`);
    this.pos++;
  }

  private object(): StrictObject {
    this.expect('{');
    const members = new Map<string, StrictValue>();
    this.skipSpace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return members;
    }
    for (;;) {
      this.skipSpace();
      const name = this.string();
      if (members.has(name)) throw new StrictJsonError(`duplicate member ${JSON.stringify(name)}`);
      this.skipSpace();
      this.expect(':');
      this.skipSpace();
      members.set(name, this.value());
      this.skipSpace();
      if (this.text[this.pos] === '}') {
        this.pos++;
        return members;
      }
      this.expect(',');
    }
  }

  private array(): StrictValue[] {
    this.expect('[');
    const items: StrictValue[] = [];
    this.skipSpace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return items;
    }
    for (;;) {
      this.skipSpace();
      items.push(this.value());
      this.skipSpace();
      if (this.text[this.pos] === ']') {
        this.pos++;
        return items;
      }
      this.expect(',');
    }
  }

  private string(): string {
    this.expect('"');
    let out = '';
    for (;;) {
      const c = this.text[this.pos];
      if (c === undefined) throw new StrictJsonError('unterminated string');
      this.pos++;
      if (c === '"') break;
      if (c < ' ') throw new StrictJsonError('control character in a string');
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = this.text[this.pos++];
      if (e === 'u') {
        const hex = this.text.slice(this.pos, this.pos + 4);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new StrictJsonError('bad \\u escape');
        this.pos += 4;
        out += String.fromCharCode(parseInt(hex, 16));
      } else if (e !== undefined && e in ESCAPES) out += ESCAPES[e];
      else throw new StrictJsonError('bad escape');
    }
    // Escaped or literal, an unpaired surrogate would become U+FFFD when encoded: refuse it.
    if (LONE_SURROGATE.test(out)) throw new StrictJsonError('unpaired surrogate');
    return out;
  }
}
