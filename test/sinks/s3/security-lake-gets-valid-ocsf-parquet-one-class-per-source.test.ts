import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { PipelineRecord } from '../../../src/pipeline/record';
import { allKinds, makeActivity } from '../../../src/simulator/generate';
import { DEFAULT_SOURCE_NAMES } from '../../../src/sinks/s3/keys';
import { MOTO_INSTALL_HINT, startMoto, type Moto } from '../../support/moto';
import { skipIfMissing, startOrSkip } from '../../support/servers';
import { compileOcsfValidators, ocsfErrors } from '../../normalize/support/ocsf-schemas';
import { buildSink, encodeAll, readParquetObjects } from './helpers';

/**
 * layout: security_lake writes OCSF Parquet under
 * ext/<source>/region=<region>/accountId=<account>/eventDay=<YYYYMMDD>/, one OCSF class per
 * source. Read back by pyarrow, an independent reader: every activity kind of the catalogue
 * is there exactly once, every row is a valid OCSF 1.8 event of its class (lenient and
 * strict schemas), every file holds one class, and rows are in time order.
 */
const BUCKET = 'aws-security-data-lake-us-east-1-test';
const ACCOUNT = '123456789012';

describe('Security Lake gets valid OCSF Parquet, one class per source', () => {
  let moto: Moto | undefined;
  before(async () => {
    moto = await startOrSkip('moto (S3)', MOTO_INSTALL_HINT, () => startMoto());
    await moto?.createBucket(BUCKET);
  });
  after(async () => moto?.destroy());

  it('writes every activity kind once, valid for its class, in its source and event day', async (t) => {
    if (skipIfMissing(t, moto, 'moto')) return;
    const { sink } = buildSink(moto!, {
      bucket: BUCKET,
      layout: 'security_lake',
      encoding: 'parquet',
      security_lake: { account_id: ACCOUNT, source_names: { '6003': 'claude-api' } },
    });
    await sink.start(AbortSignal.timeout(10_000));
    const records: PipelineRecord[] = allKinds().map((kind, i) => {
      // Two and a bit event days: objects split by day as well as by class.
      const createdAt = new Date(Date.UTC(2026, 4, 1) + i * 35_000).toISOString();
      const activity = makeActivity({ ...kind, seed: i + 1, createdAt });
      return { seq: i, activity, raw: JSON.stringify(activity) };
    });
    for (let i = 0; i < records.length; i += 2000)
      await sink.send(encodeAll(sink, records.slice(i, i + 2000)), AbortSignal.timeout(60_000));
    await sink.close();

    const keys = await moto!.keys(BUCKET);
    const files = await readParquetObjects(moto!, BUCKET, keys);
    const validators = compileOcsfValidators();
    const seen = new Map<string, number>();
    const sources = { ...DEFAULT_SOURCE_NAMES, 6003: 'claude-api' } as Record<number, string>;
    for (const file of files) {
      const m = /^ext\/([^/]+)\/region=us-east-1\/accountId=(\d{12})\/eventDay=(\d{8})\/[^/]+\.parquet$/.exec(
        file.key,
      );
      assert.ok(m, `Security Lake layout: ${file.key}`);
      assert.equal(m[2], ACCOUNT);
      const classes = new Set(file.rows.map((r) => r.class_uid as number));
      assert.equal(classes.size, 1, `${file.key} holds one class, not ${[...classes].join(', ')}`);
      const [classUid] = classes;
      assert.equal(m[1], sources[classUid], `class ${classUid} goes to its source`);
      assert.ok(['ZSTD', 'GZIP'].includes(file.codecs[0]) && file.codecs.length === 1, file.codecs.join());
      let lastTime = -Infinity;
      for (const row of file.rows) {
        assert.deepEqual(
          ocsfErrors(validators, row),
          [],
          `row ${String((row.metadata as { uid: string }).uid)}`,
        );
        const time = row.time as number;
        assert.equal(
          new Date(time).toISOString().slice(0, 10).replace(/-/g, ''),
          m[3],
          'event day of its time',
        );
        assert.ok(time >= lastTime, 'rows in time order');
        lastTime = time;
        const uid = (row.metadata as { uid: string }).uid;
        seen.set(uid, (seen.get(uid) ?? 0) + 1);
      }
    }
    const ids = records.map((r) => r.activity.id);
    assert.deepEqual(
      ids.filter((id) => seen.get(id) !== 1),
      [],
      'every activity exactly once',
    );
    assert.equal(seen.size, ids.length, 'nothing else');
  });
});
