import type { TokenCredential } from '@azure/identity';
import { AbortedError } from '../../util/errors';

/** Refresh at the latest this long before expiry (MSAL's own renewal offset). */
const REFRESH_MARGIN_MS = 5 * 60_000;

interface CachedToken {
  readonly token: string;
  readonly refreshAtMs: number;
}

/**
 * The bearer token for ingestion: fetched once, shared by every batch in flight, refreshed
 * before it expires (five minutes before, or halfway through a shorter life). `invalidate`
 * throws it and the credential away after a 401: MSAL's cache would hand the same token
 * back, so the next `get` builds a fresh credential and asks Entra ID again.
 */
export class TokenSource {
  private credential?: TokenCredential;
  private cached?: CachedToken;
  private pending?: Promise<string>;

  constructor(
    private readonly makeCredential: () => TokenCredential,
    private readonly scope: string,
    /** Turns a failure into the typed error the sender acts on. */
    private readonly classify: (err: unknown) => Error,
    private readonly now: () => number = Date.now,
  ) {}

  get(signal: AbortSignal): Promise<string> {
    if (this.cached && this.now() < this.cached.refreshAtMs) return Promise.resolve(this.cached.token);
    this.pending ??= this.fetch(signal).finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  invalidate(token: string): void {
    if (this.cached?.token !== token) return;
    this.cached = undefined;
    this.credential = undefined;
  }

  private async fetch(signal: AbortSignal): Promise<string> {
    this.credential ??= this.makeCredential();
    let access;
    try {
      access = await this.credential.getToken(this.scope, { abortSignal: signal });
    } catch (err) {
      if (signal.aborted) throw new AbortedError();
      throw this.classify(err);
    }
    if (access === null) throw this.classify(new Error('the credential returned no token'));
    const now = this.now();
    const lifeMs = access.expiresOnTimestamp - now;
    const refreshAtMs = Math.min(
      access.refreshAfterTimestamp ?? Number.POSITIVE_INFINITY,
      access.expiresOnTimestamp - Math.min(REFRESH_MARGIN_MS, lifeMs / 2),
    );
    this.cached = { token: access.token, refreshAtMs };
    return access.token;
  }
}
