/**
 * Secrets never leave the process in logs, errors or metrics. Every secret the config
 * resolves is registered here, and every line the logger writes (and every error the CLI
 * prints) passes through `redact`, which replaces each occurrence wherever it sits.
 */
const secrets = new Set<string>();
/** `secrets`, longest first, so a secret that contains another is masked whole. */
let ordered: string[] = [];
const MASK = '[REDACTED]';

function add(form: string): void {
  if (form.length < 4 || secrets.has(form)) return;
  secrets.add(form);
  ordered = [...secrets].sort((a, b) => b.length - a.length);
}

/** Registers a secret value. Short values are refused as secrets would be guessable anyway. */
export function registerSecret(value: string | undefined | null): void {
  if (!value) return;
  const trimmed = value.trim();
  if (trimmed.length < 4) return;
  add(trimmed);
  // Also catch the forms a secret takes on the wire (Basic auth, URL-encoding), and inside
  // a JSON or text log line (a password with `"` or `\` is escaped there).
  add(encodeURIComponent(trimmed));
  add(Buffer.from(trimmed).toString('base64'));
  add(JSON.stringify(trimmed).slice(1, -1));
}

export function clearSecretsForTests(): void {
  secrets.clear();
  ordered = [];
}

/** How many secret forms are registered (for tests and a start-up debug line). */
export function secretCount(): number {
  return secrets.size;
}

export function redact(text: string): string {
  if (ordered.length === 0 || text.length === 0) return text;
  let out = text;
  for (const secret of ordered) {
    if (out.includes(secret)) out = out.split(secret).join(MASK);
  }
  return out;
}

/** Deep copy of `value` with every string redacted (cycles and depth are bounded). */
export function redactDeep(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return redact(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth > 12 || seen.has(value)) return '[…]';
  seen.add(value);
  if (value instanceof Error) {
    return {
      name: value.name,
      message: redact(value.message),
      ...(value.stack ? { stack: redact(value.stack) } : {}),
    };
  }
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, depth + 1, seen));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[redact(k)] = redactDeep(v, depth + 1, seen);
  return out;
}
