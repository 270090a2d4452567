/**
 * Interprets the subset of Splunk's eval language the add-on's EVAL- settings may use:
 * field names ('quoted.path' or bare), "strings", numbers, `==`, and the functions below.
 * Anything else is a parse error, which keeps props.conf within what this test can check.
 * Every value remembers the event fields it was read from, so a test can prove that a CIM
 * field comes from fields the event carries.
 */

/** A field's values as KV_MODE=json extracts them: several for arrays (`name{}`). */
export type Fields = ReadonlyMap<string, readonly string[]>;

export interface Value {
  readonly values: readonly string[];
  /** The event fields the values were read from (empty for literals). */
  readonly from: ReadonlySet<string>;
}

type Result = Value | boolean | null;

type Node =
  | { readonly kind: 'field'; readonly name: string }
  | { readonly kind: 'literal'; readonly value: string }
  | { readonly kind: 'equals'; readonly left: Node; readonly right: Node }
  | { readonly kind: 'call'; readonly fn: string; readonly args: readonly Node[] };

const FUNCTIONS = new Set(['coalesce', 'case', 'if', 'lower', 'isnotnull', 'mvfind', 'mvindex', 'nullif', 'in', 'true', 'null']);

const TOKEN = /\s*(?:('(?:[^'\\]|\\.)*')|("(?:[^"\\]|\\.)*")|(-?\d+(?:\.\d+)?)|(==|[(),])|([A-Za-z_][A-Za-z0-9_.{}@]*))/y;

function tokenize(source: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < source.length) {
    if (/^\s*$/.test(source.slice(TOKEN.lastIndex))) break;
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(source);
    if (!m) throw new Error(`eval: cannot read "${source.slice(at, at + 30)}" in ${source}`);
    tokens.push(m[1] ?? m[2] ?? m[3] ?? m[4] ?? m[5]);
  }
  return tokens;
}

export function parseEval(source: string): Node {
  const tokens = tokenize(source);
  let pos = 0;
  const peek = (): string | undefined => tokens[pos];
  const expect = (token: string): void => {
    if (tokens[pos] !== token) throw new Error(`eval: expected ${token} at token ${pos} in ${source}`);
    pos += 1;
  };
  const primary = (): Node => {
    const token = tokens[pos++];
    if (token === undefined) throw new Error(`eval: unexpected end of ${source}`);
    if (token.startsWith("'")) return { kind: 'field', name: token.slice(1, -1) };
    if (token.startsWith('"')) return { kind: 'literal', value: JSON.parse(token) as string };
    if (/^-?\d/.test(token)) return { kind: 'literal', value: token };
    if (peek() === '(') {
      if (!FUNCTIONS.has(token)) throw new Error(`eval: function ${token} is outside what the test interprets`);
      expect('(');
      const args: Node[] = [];
      while (peek() !== ')') {
        args.push(expression());
        if (peek() === ',') pos += 1;
        else if (peek() !== ')') throw new Error(`eval: expected , or ) in ${source}`);
      }
      expect(')');
      return { kind: 'call', fn: token, args };
    }
    if (/^[(),=]/.test(token)) throw new Error(`eval: unexpected ${token} in ${source}`);
    return { kind: 'field', name: token };
  };
  const expression = (): Node => {
    const left = primary();
    if (peek() !== '==') return left;
    pos += 1;
    return { kind: 'equals', left, right: primary() };
  };
  const node = expression();
  if (pos !== tokens.length) throw new Error(`eval: trailing "${tokens.slice(pos).join(' ')}" in ${source}`);
  return node;
}

/** Field names an expression reads. */
export function fieldsRead(node: Node): string[] {
  if (node.kind === 'field') return [node.name];
  if (node.kind === 'literal') return [];
  if (node.kind === 'equals') return [...fieldsRead(node.left), ...fieldsRead(node.right)];
  return node.args.flatMap(fieldsRead);
}

function single(value: Result, what: string): string | null {
  if (value === null) return null;
  if (typeof value === 'boolean') throw new Error(`eval: ${what} is a condition, not a value`);
  if (value.values.length !== 1) throw new Error(`eval: ${what} is multivalued (${value.values.join(', ')})`);
  return value.values[0];
}

function truth(value: Result, what: string): boolean {
  if (typeof value !== 'boolean') throw new Error(`eval: ${what} is not a condition`);
  return value;
}

function arity(node: Node & { kind: 'call' }, ok: boolean): void {
  if (!ok) throw new Error(`eval: ${node.fn}() with ${node.args.length} arguments`);
}

export function evaluate(node: Node, fields: Fields): Result {
  switch (node.kind) {
    case 'literal':
      return { values: [node.value], from: new Set() };
    case 'field': {
      const values = fields.get(node.name);
      return values === undefined || values.length === 0 ? null : { values, from: new Set([node.name]) };
    }
    case 'equals': {
      const left = single(evaluate(node.left, fields), 'left of ==');
      const right = single(evaluate(node.right, fields), 'right of ==');
      return left !== null && right !== null && left === right;
    }
    case 'call':
      return call(node, fields);
  }
}

/** A value chosen by a condition also comes from the event fields the condition read. */
function decided(value: Result, condition: Node, fields: Fields): Result {
  if (value === null || typeof value === 'boolean') return value;
  const read = fieldsRead(condition).filter((name) => fields.has(name));
  return { values: value.values, from: new Set([...value.from, ...read]) };
}

function call(node: Node & { kind: 'call' }, fields: Fields): Result {
  const args = node.args;
  const arg = (i: number): Result => evaluate(args[i], fields);
  switch (node.fn) {
    case 'true':
      arity(node, args.length === 0);
      return true;
    case 'null':
      arity(node, args.length === 0);
      return null;
    case 'isnotnull':
      arity(node, args.length === 1);
      return arg(0) !== null;
    case 'lower': {
      arity(node, args.length === 1);
      const value = arg(0);
      if (value === null) return null;
      if (typeof value === 'boolean') throw new Error('eval: lower() of a condition');
      return { values: value.values.map((v) => v.toLowerCase()), from: value.from };
    }
    case 'coalesce':
      arity(node, args.length >= 1);
      for (let i = 0; i < args.length; i++) {
        const value = arg(i);
        if (typeof value === 'boolean') throw new Error('eval: coalesce() of a condition');
        if (value !== null) return value;
      }
      return null;
    case 'if':
      arity(node, args.length === 3);
      return truth(arg(0), 'if() condition') ? decided(arg(1), args[0], fields) : decided(arg(2), args[0], fields);
    case 'case':
      arity(node, args.length % 2 === 0 && args.length > 0);
      for (let i = 0; i < args.length; i += 2)
        if (truth(arg(i), `case() condition ${i / 2 + 1}`)) return decided(arg(i + 1), args[i], fields);
      return null;
    case 'in': {
      arity(node, args.length >= 2);
      const value = single(arg(0), 'in() subject');
      if (value === null) return false;
      return args.slice(1).some((_, i) => single(arg(i + 1), 'in() choice') === value);
    }
    case 'mvfind': {
      arity(node, args.length === 2);
      const value = arg(0);
      const pattern = single(arg(1), 'mvfind() regex');
      if (value === null || pattern === null) return null;
      if (typeof value === 'boolean') throw new Error('eval: mvfind() of a condition');
      const index = value.values.findIndex((v) => new RegExp(pattern).test(v));
      return index < 0 ? null : { values: [String(index)], from: value.from };
    }
    case 'nullif': {
      arity(node, args.length === 2);
      const value = arg(0);
      const other = single(arg(1), 'nullif() second argument');
      if (value === null || typeof value === 'boolean') return value;
      return value.values.length === 1 && value.values[0] === other ? null : value;
    }
    case 'mvindex': {
      arity(node, args.length === 2);
      const value = arg(0);
      const index = Number(single(arg(1), 'mvindex() index'));
      if (value === null) return null;
      if (typeof value === 'boolean' || !Number.isInteger(index) || index < 0)
        throw new Error('eval: mvindex() takes a field and an index from 0');
      const picked = value.values[index];
      return picked === undefined ? null : { values: [picked], from: value.from };
    }
    default:
      throw new Error(`eval: ${node.fn}() is outside what the test interprets`);
  }
}
