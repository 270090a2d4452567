import type { EncodedRecord } from '../sink';
import { archivePartition, objectName, securityLakePartition, sourceNameFor } from './keys';
import type { S3SinkConfig } from './config';

/** One record as the S3 sink carries it: its event as JSON, and what places it in a partition. */
export interface S3Record extends EncodedRecord {
  readonly json: string;
  /** OCSF class_uid (Security Lake routes by it); undefined for ecs/raw. */
  readonly classUid?: number;
  /** OCSF `time` (ms): Security Lake partitions by its UTC day. */
  readonly timeMs?: number;
}

/** The records of a batch that go into one object, and that object's key. */
export interface PlannedObject {
  readonly key: string;
  readonly items: readonly S3Record[];
}

/**
 * Splits a batch into objects, one per partition it touches (a day; with Security Lake a
 * class and a day), in the batch's order. Keys depend on the records alone (keys.ts).
 */
export function planObjects(batch: readonly S3Record[], cfg: S3SinkConfig): PlannedObject[] {
  const groups = new Map<string, S3Record[]>();
  for (const item of batch) {
    const partition = partitionOf(item, cfg);
    let group = groups.get(partition);
    if (!group) groups.set(partition, (group = []));
    group.push(item);
  }
  const extension = cfg.encoding === 'parquet' ? 'parquet' : 'jsonl.gz';
  return [...groups].map(([partition, items]) => ({
    key:
      partition +
      objectName(
        items.map((i) => i.record.activity.id),
        extension,
      ),
    items,
  }));
}

function partitionOf(item: S3Record, cfg: S3SinkConfig): string {
  if (cfg.layout === 'security_lake' && cfg.security_lake) {
    const source = sourceNameFor(item.classUid ?? 0, cfg.security_lake.source_names);
    return securityLakePartition(
      cfg.prefix,
      source,
      cfg.region,
      cfg.security_lake.account_id,
      item.timeMs ?? Date.parse(item.record.activity.created_at),
    );
  }
  return archivePartition(cfg.prefix, item.record.activity.created_at);
}
