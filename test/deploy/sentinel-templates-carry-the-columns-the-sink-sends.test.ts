import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SENTINEL_COLUMNS, encodeRow } from '../../src/sinks/sentinel/encode';
import { makeRandomActivity } from '../../src/simulator/generate';
import { shippedStreamColumns } from '../support/sentinel-receiver';

/**
 * deploy/sentinel is what lands the sink's rows in Sentinel: the DCR's stream must declare
 * every column the sink fills with its type, the table must hold them, and the parser may
 * read only what the table has. A column added to the encoder and not here fails this test.
 */
const DIR = join(__dirname, '../../deploy/sentinel');
const read = (name: string): string => readFileSync(join(DIR, name), 'utf8');

interface Column {
  readonly name: string;
  readonly type: string;
}

const dcr = JSON.parse(read('dcr.json')) as {
  resources: {
    type: string;
    kind: string;
    properties: {
      streamDeclarations: Record<string, { columns: Column[] }>;
      dataFlows: { streams: string[]; outputStream: string; transformKql: string }[];
    };
  }[];
};
const table = JSON.parse(read('table.json')) as { properties: { schema: { name: string; columns: Column[] } } };
const parser = read('ASimAuditEventAnthropicClaude.kql');

const RESERVED = ['_ResourceId', 'id', '_SubscriptionId', 'TenantId', 'Type', 'UniqueId', 'Title'];

describe('deploy/sentinel', () => {
  it('declares in the DCR stream exactly the columns the sink fills, with their types', () => {
    const rule = dcr.resources[0];
    assert.equal(rule.type, 'Microsoft.Insights/dataCollectionRules');
    assert.equal(rule.kind, 'Direct');
    assert.deepEqual(shippedStreamColumns(), SENTINEL_COLUMNS);
    const flow = rule.properties.dataFlows[0];
    assert.deepEqual(flow.streams, ['Custom-ClaudeAudit']);
    assert.equal(flow.outputStream, `Custom-${table.properties.schema.name}`);
  });

  it('has a table holding every column, valid names, none reserved', () => {
    const schema = table.properties.schema;
    assert.match(schema.name, /^[A-Za-z][A-Za-z0-9_]*_CL$/);
    const tableType = (t: string): string => (t === 'datetime' ? 'dateTime' : t);
    assert.deepEqual(
      schema.columns.map((c) => ({ name: c.name, type: c.type })),
      SENTINEL_COLUMNS.map((c) => ({ name: c.name, type: tableType(c.type) })),
    );
    for (const c of schema.columns) {
      assert.match(c.name, /^[A-Za-z][A-Za-z0-9_]{0,44}$/);
      assert.equal(RESERVED.includes(c.name), false, `${c.name} is reserved`);
    }
  });

  it('fits every row the sink encodes to the declared columns and types', () => {
    const types = new Map(SENTINEL_COLUMNS.map((c) => [c.name, c.type]));
    for (let i = 0; i < 2000; i++) {
      const activity = makeRandomActivity(i);
      const row = JSON.parse(encodeRow({ seq: i, activity, raw: JSON.stringify(activity) }).text) as Record<
        string,
        unknown
      >;
      for (const [name, value] of Object.entries(row)) {
        const type = types.get(name);
        assert.ok(type, `undeclared column ${name}`);
        if (type === 'string') assert.equal(typeof value, 'string', `${name} of ${activity.type}`);
        if (type === 'datetime') assert.ok(Number.isFinite(Date.parse(String(value))), name);
      }
      assert.deepEqual(row.Activity, activity);
      assert.equal(row.ActivityId, activity.id);
    }
  });

  it('has a parser that reads only the table and its columns, and sets the mandatory ASIM fields', () => {
    assert.match(parser, /^\s*ClaudeAudit_CL\s*$/m);
    const columns = new Set(table.properties.schema.columns.map((c) => c.name));
    const read = [...parser.matchAll(/\b(Activity\w*|Actor(?:Type|Email|ApiKeyId|IpAddress|UserAgent)|Organization\w+)\b/g)].map(
      (m) => m[1],
    );
    for (const name of read) assert.ok(columns.has(name), `the parser reads ${name}, which the table lacks`);
    for (const field of [
      'EventCount',
      'EventStartTime',
      'EventEndTime',
      'EventType',
      'EventResult',
      'EventProduct',
      'EventVendor',
      'EventSchema',
      'EventSchemaVersion',
      'Dvc',
      'Operation',
      'Object',
    ])
      assert.match(parser, new RegExp(`\\b${field} = `), `mandatory ${field}`);
  });
});
