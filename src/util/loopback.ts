import { isIP } from 'node:net';

/**
 * Whether a host name or address stays on this machine (`localhost`, 127.0.0.0/8, ::1).
 * Traffic to it crosses no network, so plaintext there needs no opt-in.
 */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h === '0:0:0:0:0:0:0:1';
  return false;
}
