import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { knownMappings } from '../../src/normalize';
import { MAPPING_DOC_PATH, renderMappingDoc } from '../../scripts/gen-mapping-doc';

describe('docs/mapping.md', () => {
  it('is what scripts/gen-mapping-doc.ts generates from the current table (run it after changing mapping.ts)', () => {
    const committed = readFileSync(MAPPING_DOC_PATH, 'utf8');
    assert.ok(
      committed === renderMappingDoc(),
      'docs/mapping.md is stale: run `node --import tsx scripts/gen-mapping-doc.ts`',
    );
  });

  it('lists every type with its OCSF class and ECS category', () => {
    const doc = renderMappingDoc();
    const types = doc.slice(doc.indexOf('## Types')).split('\n');
    for (const m of knownMappings()) {
      const row = types.find((line) => line.startsWith(`| \`${m.type}\``));
      assert.ok(row, `row for ${m.type}`);
      assert.ok(row.includes(`(${m.cls.uid})`) && row.includes(m.ecsCategory.join(', ')), m.type);
    }
  });
});
