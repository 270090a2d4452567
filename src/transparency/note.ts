import { createPrivateKey, sign, verify, type KeyObject } from 'node:crypto';
import { decodeBase64Strict } from './base64';
import { validAt, type TrustedKey } from './keys';

/**
 * Checkpoints: a C2SP checkpoint inside a C2SP signed note (spec §3.5), and its
 * verification (§3.6). A checkpoint is identified by (origin, size, root), never by its bytes.
 */
export interface Checkpoint {
  readonly origin: string;
  readonly size: number;
  readonly root: Buffer;
  /** The whole note as served, signature lines included: the evidence. */
  readonly note: string;
}

export interface SignatureLine {
  readonly name: string;
  readonly keyHash: string;
  readonly signature: Buffer;
}

export interface ParsedNote extends Checkpoint {
  /** The signed bytes: the text up to and including the LF before the blank line. */
  readonly text: Buffer;
  readonly signatures: readonly SignatureLine[];
}

export type CheckpointFailure =
  'checkpoint_malformed' | 'checkpoint_wrong_origin' | 'checkpoint_bad_signature' | 'checkpoint_unknown_key';

export class CheckpointError extends Error {
  constructor(
    readonly reason: CheckpointFailure,
    message: string,
  ) {
    super(message);
  }
}

const MAX_SIGNATURES = 100;
const SIZE = /^(?:0|[1-9]\d*)$/;

/** Parses a note, or throws `CheckpointError('checkpoint_malformed')`. */
export function parseNote(note: string): ParsedNote {
  const malformed = (why: string): CheckpointError =>
    new CheckpointError('checkpoint_malformed', `malformed checkpoint: ${why}`);
  // Control characters other than LF are forbidden anywhere in a note (C2SP).
  if (/[\u0000-\u0009\u000b-\u001f\u007f]/.test(note)) throw malformed('control character');
  const cut = note.lastIndexOf('\n\n');
  if (cut < 0 || !note.endsWith('\n')) throw malformed('no blank line before the signatures, or no final LF');
  const textString = note.slice(0, cut + 1);
  const lines = textString.slice(0, -1).split('\n');
  if (lines.length < 3) throw malformed('fewer than 3 text lines');
  const [origin, sizeText, rootText] = lines;
  if (!SIZE.test(sizeText) || !Number.isSafeInteger(Number(sizeText)))
    throw malformed(`size ${JSON.stringify(sizeText)}`);
  const root = decodeBase64Strict(rootText);
  if (!root || root.length !== 32) throw malformed('root hash is not 32 bytes of base64');
  const signatures: SignatureLine[] = [];
  for (const line of note.slice(cut + 2, -1).split('\n')) {
    const m = /^\u2014 ([^ +]+) ([^ ]+)$/.exec(line);
    const value = m && decodeBase64Strict(m[2]);
    if (!m || !value || value.length < 5) throw malformed('signature line');
    signatures.push({
      name: m[1],
      keyHash: value.subarray(0, 4).toString('hex'),
      signature: value.subarray(4),
    });
  }
  if (signatures.length === 0 || signatures.length > MAX_SIGNATURES) throw malformed('signature count');
  return { origin, size: Number(sizeText), root, note, text: Buffer.from(textString, 'utf8'), signatures };
}

/**
 * Verifies a note under the trusted keys (§3.6): origin first, then every line from a known
 * key must verify, and one must come from a key valid at `at`. Throws `CheckpointError`.
 */
export function verifyCheckpoint(
  note: string,
  origin: string,
  keys: readonly TrustedKey[],
  at: Date,
): ParsedNote {
  const parsed = parseNote(note);
  if (parsed.origin !== origin)
    throw new CheckpointError(
      'checkpoint_wrong_origin',
      `checkpoint origin ${JSON.stringify(parsed.origin)} is not ${origin}`,
    );
  let validSigned = false;
  for (const line of parsed.signatures) {
    const key = keys.find((k) => k.keyHash === line.keyHash);
    if (line.name !== origin || !key) continue;
    const ok = verify('sha256', parsed.text, { key: key.spki, format: 'der', type: 'spki' }, line.signature);
    if (!ok)
      throw new CheckpointError(
        'checkpoint_bad_signature',
        `signature by key ${line.keyHash} does not verify`,
      );
    if (validAt(key, at)) validSigned = true;
  }
  if (!validSigned)
    throw new CheckpointError(
      'checkpoint_unknown_key',
      `no signature by a key trusted at ${at.toISOString()}: signed by ${parsed.signatures.map((s) => s.keyHash).join(', ')}; trusted ${keys.map((k) => k.keyHash).join(', ') || 'none'}`,
    );
  return parsed;
}

/** The note body for (origin, size, root), as the log signs it. */
export function checkpointText(origin: string, size: number, root: Buffer): string {
  return `${origin}\n${size}\n${root.toString('base64')}\n`;
}

/** Signs a checkpoint with a P-256 key (the simulator's side). */
export function signCheckpoint(
  origin: string,
  size: number,
  root: Buffer,
  key: KeyObject,
  keyHash: string,
): string {
  const text = checkpointText(origin, size, root);
  const signature = sign('sha256', Buffer.from(text, 'utf8'), key);
  return `${text}\n\u2014 ${origin} ${Buffer.concat([Buffer.from(keyHash, 'hex'), signature]).toString('base64')}\n`;
}

export function privateKeyFromPkcs8(der: Buffer): KeyObject {
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
}
