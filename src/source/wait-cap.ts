/**
 * Waits the API asks for (Retry-After, anthropic-ratelimit-requests-reset) are obeyed up to
 * source.max_wait: a reset dated 2999 or a Retry-After of 20 days is a server fault, and
 * obeying it stops forwarding with every signal green.
 */
export type WaitHeader = 'retry-after' | 'anthropic-ratelimit-requests-reset';

export interface CappedWait {
  readonly header: WaitHeader;
  readonly askedMs: number;
  readonly cappedMs: number;
}

export function capWait(header: WaitHeader, askedMs: number, maxMs: number): CappedWait {
  return { header, askedMs, cappedMs: Math.max(0, Math.min(askedMs, maxMs)) };
}
