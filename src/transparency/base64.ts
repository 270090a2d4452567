const STANDARD = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Standard padded base64 (RFC 4648 §4) or undefined. `Buffer.from(…, 'base64')` accepts
 * garbage silently (spec §3.6), so the alphabet, the padding and the unused bits are checked:
 * only the canonical encoding of some bytes is accepted.
 */
export function decodeBase64Strict(text: string): Buffer | undefined {
  if (!STANDARD.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : undefined;
}
