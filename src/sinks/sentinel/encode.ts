import type { EncodedRecord } from '../sink';
import type { PipelineRecord } from '../../pipeline/record';
import { PermanentError } from '../../util/errors';
import { MAX_CALL_BYTES } from './config';

/** One row of the DCR stream, as JSON text ready to join into the array body. */
export interface SentinelRow extends EncodedRecord {
  readonly text: string;
}

export type ColumnType = 'string' | 'datetime' | 'dynamic';

/**
 * The columns the sink fills, in the order it writes them. deploy/sentinel declares the same
 * columns (stream, table, parser); a test holds them together.
 */
export const SENTINEL_COLUMNS: readonly { readonly name: string; readonly type: ColumnType }[] = [
  { name: 'TimeGenerated', type: 'datetime' },
  { name: 'ActivityId', type: 'string' },
  { name: 'ActivityType', type: 'string' },
  { name: 'OrganizationId', type: 'string' },
  { name: 'OrganizationUuid', type: 'string' },
  { name: 'ActorType', type: 'string' },
  { name: 'ActorUserId', type: 'string' },
  { name: 'ActorEmail', type: 'string' },
  { name: 'ActorApiKeyId', type: 'string' },
  { name: 'ActorIpAddress', type: 'string' },
  { name: 'ActorUserAgent', type: 'string' },
  { name: 'Activity', type: 'dynamic' },
];

function text(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/**
 * The flat columns analytics rules filter on, and the whole activity, untouched, in the
 * dynamic `Activity` column, so fields the API adds later are never lost. `record.raw` is
 * embedded as it is: the activity is not serialized again.
 */
export function encodeRow(record: PipelineRecord, now: () => Date = () => new Date()): SentinelRow {
  const a = record.activity;
  const actor = a.actor as Record<string, unknown>;
  const created = Date.parse(a.created_at);
  // Unreadable time: Azure would refuse the row; the ingestion time keeps it, the original stays in Activity.
  const time = Number.isFinite(created) ? new Date(created).toISOString() : now().toISOString();
  const flat: Record<string, string | undefined> = {
    TimeGenerated: time,
    ActivityId: text(a.id),
    ActivityType: text(a.type),
    OrganizationId: text(a.organization_id),
    OrganizationUuid: text(a.organization_uuid),
    ActorType: text(actor.type),
    ActorUserId: text(actor.user_id),
    ActorEmail: text(actor.email_address) ?? text(actor.unauthenticated_email_address),
    ActorApiKeyId: text(actor.api_key_id) ?? text(actor.admin_api_key_id),
    ActorIpAddress: text(actor.ip_address),
    ActorUserAgent: text(actor.user_agent),
  };
  const head = JSON.stringify(flat);
  const rowText = `${head.slice(0, -1)},"Activity":${record.raw}}`;
  const size = Buffer.byteLength(rowText) + 1;
  // A call holds `[`, `]` and the row: one that cannot fit alone can never be delivered.
  if (size + 2 > MAX_CALL_BYTES)
    throw new PermanentError(
      `the activity is ${size} bytes as a Sentinel row; Azure Logs Ingestion accepts at most ${MAX_CALL_BYTES} bytes per call`,
    );
  return { record, text: rowText, size };
}

/** The request body: a JSON array of rows (a lone object would be answered 204 and dropped). */
export function arrayBody(rows: readonly SentinelRow[]): Buffer {
  return Buffer.from(`[${rows.map((r) => r.text).join(',')}]`);
}
