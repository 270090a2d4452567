import { decodeBase64Strict } from './base64';
import { IncompleteRunError } from './findings';
import type { ServedKey } from './keys';
import type { Hash } from './merkle';
import { tilePath } from './tiles';

/**
 * Typed reads of the log endpoints (spec §3.4). The transport (`get`) is the shared API
 * client: it retries 429/5xx/timeouts and throws `LogHttpError`-like errors with a status for
 * the rest. Shapes the API never documents make the run incomplete, never a finding.
 */
export type LogGet = (pathAndQuery: string) => Promise<Buffer>;

export interface ProofAnswer {
  readonly hashes: readonly Hash[];
  /** The latest checkpoint note, which the proof is computed against. */
  readonly checkpoint: string;
}

export interface InclusionAnswer extends ProofAnswer {
  readonly leafIndex: number;
}

export class LogReader {
  constructor(
    private readonly get: LogGet,
    private readonly organizationId?: string,
  ) {}

  async checkpoint(): Promise<string> {
    return utf8(await this.get(this.path('checkpoint')));
  }

  async keys(): Promise<readonly ServedKey[]> {
    const body = json(await this.get(this.path('keys')));
    const keys = body.log_keys;
    if (!Array.isArray(keys)) throw new IncompleteRunError('keys: no log_keys array');
    return keys as ServedKey[];
  }

  async inclusion(index: number): Promise<InclusionAnswer> {
    const body = json(await this.get(this.path('inclusion', `leaf_index=${index}`)));
    if (typeof body.leaf_index !== 'number') throw new IncompleteRunError('inclusion: no leaf_index');
    return { ...proof(body), leafIndex: body.leaf_index };
  }

  async consistency(from: number): Promise<ProofAnswer> {
    return proof(json(await this.get(this.path('consistency', `from=${from}`))));
  }

  async bundle(index: number, width: number): Promise<Buffer> {
    return this.get(this.path(tilePath('entries', index, width)));
  }

  private path(endpoint: string, query?: string): string {
    const params = [
      query,
      this.organizationId && `organization_id=${encodeURIComponent(this.organizationId)}`,
    ];
    const q = params.filter(Boolean).join('&');
    return q ? `${endpoint}?${q}` : endpoint;
  }
}

function utf8(bytes: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    // Not valid UTF-8: the note parser refuses it as malformed, which is a finding.
    return bytes.toString('latin1') + '\u0000';
  }
}

function json(bytes: Buffer): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(bytes.toString('utf8'));
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new IncompleteRunError('the log answered with something that is not a JSON object');
}

/** Hashes that are not base64 of 32 bytes make a bad proof: it cannot verify, so it fails as one. */
function proof(body: Record<string, unknown>): ProofAnswer {
  const { hashes, checkpoint } = body;
  if (!Array.isArray(hashes) || typeof checkpoint !== 'string')
    throw new IncompleteRunError('proof: hashes or checkpoint missing');
  return {
    hashes: hashes.map((h) => (typeof h === 'string' ? decodeBase64Strict(h) : undefined) ?? Buffer.alloc(0)),
    checkpoint,
  };
}
