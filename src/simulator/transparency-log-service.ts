import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { buildLeaf } from '../transparency/leaf';
import { fingerprintOf, keyHashOf, verifierKey } from '../transparency/keys';
import { consistencyProof, inclusionProof, leafHash, subtreeRoot, type Hash } from '../transparency/merkle';
import { privateKeyFromPkcs8, signCheckpoint } from '../transparency/note';
import { parseTilePath, TILE_WIDTH, encodeBundle } from '../transparency/tiles';
import { TEST_LOG_KEY } from './log-key';
import type { ApiErrorSpec } from './request-query';
import type { ActivityStore } from './store';
import type { Tenant } from './tenant';

/**
 * The organization's Access Transparency log as the API serves it (spec §3.4, §5.2): signed
 * checkpoints, keys, inclusion and consistency proofs, hash tiles and entry bundles, built
 * from the very rows the feed serves, with the faults of §5.3 a verifier must catch.
 */
export const TRANSPARENCY_LOG_PATH = '/v1/compliance/transparency_log/';

export interface TransparencyLogFaults {
  /** Sign checkpoints with a fresh key nobody pinned (listed first in `GET /keys`). */
  readonly unknownKey?: boolean;
  /**
   * The log commits other bytes at this leaf than the feed serves (its `reason_code`
   * changed). Set before the event is verified it is a rewritten leaf (`leaf_mismatch`);
   * set after a checkpoint covering it was verified, a forked history.
   */
  readonly rewrittenLeaf?: number;
  /** `403` on inclusion requests only. */
  readonly inclusionForbidden?: boolean;
}

export interface LogBody {
  readonly status: 200;
  readonly body: string | Buffer;
  readonly contentType: string;
  readonly cacheControl: string;
}

/** A body, or an error the server sends in the API's envelope (always `private, no-store`). */
export type LogAnswer = LogBody | ApiErrorSpec;

const NO_STORE = 'private, no-store';
const IMMUTABLE = 'private, max-age=604800, immutable';
const QUERY_PARAMS: Readonly<Record<string, readonly string[]>> = {
  checkpoint: [],
  keys: [],
  inclusion: ['leaf_index'],
  consistency: ['from'],
  tile: [],
};

export class TransparencyLogService {
  private readonly entries: Buffer[] = [];
  private readonly hashes: Hash[] = [];
  private readonly notes = new Map<string, string>();
  private readonly signer = {
    key: privateKeyFromPkcs8(Buffer.from(TEST_LOG_KEY.pkcs8, 'base64')),
    spki: Buffer.from(TEST_LOG_KEY.spki, 'base64'),
  };
  private rogue?: { readonly key: KeyObject; readonly spki: Buffer };
  faults: TransparencyLogFaults = {};

  constructor(
    private readonly store: ActivityStore,
    private readonly tenant: Tenant,
  ) {}

  get origin(): string {
    return `axt.anthropic.com/${this.tenant.organizationUuid}`;
  }

  /** Leaves appended so far (every append is published at once). */
  size(nowMs: number): number {
    this.sync(nowMs);
    return this.entries.length;
  }

  /** The entry committed at `index`, as served by the bundles (faults applied). */
  entryAt(index: number): Buffer {
    if (index === this.faults.rewrittenLeaf) return rewritten(this.entries[index]);
    return this.entries[index];
  }

  /** Answers one request under the log path; `rest` is the path after it. */
  answer(rest: string, query: URLSearchParams, nowMs: number): LogAnswer {
    const endpoint = rest.startsWith('tile/') ? 'tile' : rest;
    const allowed = QUERY_PARAMS[endpoint];
    if (!allowed) return error({ status: 404, type: 'not_found_error', message: `Not found: ${rest}` });
    for (const name of query.keys())
      if (name !== 'organization_id' && !allowed.includes(name))
        return error({
          status: 400,
          type: 'invalid_request_error',
          message: `Unknown query parameter: ${name}`,
        });
    const org = query.get('organization_id');
    if (org !== null) {
      if (!/^(org_[0-9A-Za-z]+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/.test(org))
        return error({ status: 400, type: 'invalid_request_error', message: 'Invalid organization_id' });
      if (org !== this.tenant.organizationId && org !== this.tenant.organizationUuid) return notFound();
    }
    const size = this.size(nowMs);
    if (size === 0) return notFound();
    const leaves = this.servedLeaves();
    switch (endpoint) {
      case 'checkpoint':
        return ok(this.note(size, leaves), 'text/plain; charset=utf-8');
      case 'keys':
        return ok(JSON.stringify(this.keys()), 'application/json');
      case 'inclusion':
        return this.inclusion(query.get('leaf_index'), size, leaves);
      case 'consistency':
        return this.consistency(query.get('from'), size, leaves);
      default:
        return this.tile(rest.slice('tile/'.length), size, leaves);
    }
  }

  private sync(nowMs: number): void {
    this.store.advanceTo(nowMs);
    const log = this.store.transparencyLogs.log(this.tenant.organizationId);
    for (let i = this.entries.length; i < (log?.rows.length ?? 0); i++) {
      const served = { ...this.store.activityOf(log!.rows[i]) } as Record<string, unknown>;
      delete served.transparency_log_leaf_index;
      const leaf = buildLeaf(JSON.stringify(served));
      if (leaf.kind !== 'leaf') throw new Error(`simulator: row ${log!.rows[i]} has no leaf`);
      this.entries.push(leaf.entry);
      this.hashes.push(leafHash(leaf.entry));
    }
  }

  private servedLeaves(): Hash[] {
    const at = this.faults.rewrittenLeaf;
    if (at === undefined || at >= this.hashes.length) return this.hashes;
    const leaves = [...this.hashes];
    leaves[at] = leafHash(this.entryAt(at));
    return leaves;
  }

  private signing(): { readonly key: KeyObject; readonly spki: Buffer } {
    if (!this.faults.unknownKey) return this.signer;
    if (!this.rogue) {
      const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      this.rogue = { key: pair.privateKey, spki: pair.publicKey.export({ format: 'der', type: 'spki' }) };
    }
    return this.rogue;
  }

  /** One signature per (size, root, key): ECDSA is randomized, and a served note should not flicker. */
  private note(size: number, leaves: readonly Hash[]): string {
    const root = subtreeRoot(leaves, 0, size);
    const { key, spki } = this.signing();
    const id = `${size}/${root.toString('base64')}/${keyHashOf(spki)}`;
    let note = this.notes.get(id);
    if (!note) {
      note = signCheckpoint(this.origin, size, root, key, keyHashOf(spki));
      this.notes.set(id, note);
    }
    return note;
  }

  private keys(): object {
    const listed =
      this.faults.unknownKey && this.rogue ? [this.rogue.spki, this.signer.spki] : [this.signer.spki];
    return {
      type: 'transparency_log_keys',
      origin: this.origin,
      log_keys: listed.map((spki) => ({
        verifier_key: verifierKey(this.origin, spki),
        key_hash: keyHashOf(spki),
        fingerprint: fingerprintOf(spki),
        algorithm: 'ecdsa_p256_sha256',
        public_key: spki.toString('base64'),
      })),
    };
  }

  private inclusion(param: string | null, size: number, leaves: readonly Hash[]): LogAnswer {
    if (param === null || !/^(0|[1-9]\d{0,15})$/.test(param))
      return error({
        status: 400,
        type: 'invalid_request_error',
        message: 'leaf_index must be a non-negative integer',
      });
    if (this.faults.inclusionForbidden)
      return error({ status: 403, type: 'permission_error', message: 'Permission denied' });
    const index = Number(param);
    if (index >= size) return notFound('The latest checkpoint does not cover this leaf_index');
    return ok(
      JSON.stringify({
        type: 'transparency_log_inclusion_proof',
        leaf_index: index,
        hashes: inclusionProof(leaves, index, size).map(b64),
        checkpoint: this.note(size, leaves),
      }),
      'application/json',
    );
  }

  private consistency(param: string | null, size: number, leaves: readonly Hash[]): LogAnswer {
    const from = param !== null && /^(0|[1-9]\d{0,15})$/.test(param) ? Number(param) : undefined;
    if (from === undefined || from < 1 || from > size)
      return error({
        status: 400,
        type: 'invalid_request_error',
        message: `from must be between 1 and ${size}`,
      });
    return ok(
      JSON.stringify({
        type: 'transparency_log_consistency_proof',
        hashes: consistencyProof(leaves, from, size).map(b64),
        checkpoint: this.note(size, leaves),
      }),
      'application/json',
    );
  }

  private tile(path: string, size: number, leaves: readonly Hash[]): LogAnswer {
    const address = parseTilePath(path);
    if (!address)
      return error({ status: 400, type: 'invalid_request_error', message: `Malformed tile path: ${path}` });
    const level = address.level === 'entries' ? 0 : address.level;
    const span = TILE_WIDTH ** level;
    const fullTiles = Math.floor(size / (span * TILE_WIDTH));
    const currentWidth = Math.floor(size / span) % TILE_WIDTH;
    const { index, width } = address;
    const available =
      index < fullTiles ? TILE_WIDTH : index === fullTiles && currentWidth > 0 ? currentWidth : 0;
    const wanted = width ?? TILE_WIDTH;
    if (available === 0 || wanted > available) return notFound('Tile beyond the tree');
    const first = index * TILE_WIDTH;
    let body: Buffer;
    if (address.level === 'entries')
      body = encodeBundle(Array.from({ length: wanted }, (_, i) => this.entryAt(first + i)));
    else
      body = Buffer.concat(
        Array.from({ length: wanted }, (_, i) =>
          subtreeRoot(leaves, (first + i) * span, (first + i + 1) * span),
        ),
      );
    return {
      status: 200,
      body,
      contentType: 'application/octet-stream',
      cacheControl: width === undefined ? IMMUTABLE : NO_STORE,
    };
  }
}

function b64(h: Hash): string {
  return h.toString('base64');
}

/** The same event with another `reason_code`: what a log that rewrote history would hold. */
function rewritten(entry: Buffer): Buffer {
  const json = JSON.parse(entry.subarray(1).toString('utf8')) as Record<string, unknown>;
  const changed = {
    ...json,
    reason_code: json.reason_code === 'csae_report' ? 'safety_review' : 'csae_report',
  };
  const leaf = buildLeaf(JSON.stringify(changed));
  if (leaf.kind !== 'leaf') throw new Error('simulator: rewritten leaf unbuildable');
  return leaf.entry;
}

function ok(body: string, contentType: string): LogBody {
  return { status: 200, body, contentType, cacheControl: NO_STORE };
}

function error(e: ApiErrorSpec): ApiErrorSpec {
  return e;
}

function notFound(message = 'Not found'): LogAnswer {
  return error({ status: 404, type: 'not_found_error', message });
}
