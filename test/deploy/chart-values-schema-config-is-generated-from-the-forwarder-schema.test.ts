import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CHART_VALUES_SCHEMA, expectedChartValuesSchema } from '../../scripts/gen-chart-values-schema';

/**
 * The chart checks `values.config` with the forwarder's own schema, so the two can never
 * disagree about a field: the checked-in copy is what the generator makes from
 * schema/config.schema.json (run scripts/gen-chart-values-schema.ts after changing it).
 */

test("the chart's values.schema.json `config` property is generated from schema/config.schema.json", () => {
  assert.equal(readFileSync(CHART_VALUES_SCHEMA, 'utf8'), expectedChartValuesSchema());
});

test('the generated config property keeps the forwarder schema strict: unknown keys are refused at every level', () => {
  const values = JSON.parse(readFileSync(CHART_VALUES_SCHEMA, 'utf8')) as {
    properties: { config: { additionalProperties: unknown; properties: Record<string, { additionalProperties?: unknown }> } };
  };
  const config = values.properties.config;
  assert.equal(config.additionalProperties, false);
  assert.equal(config.properties.source.additionalProperties, false);
});
