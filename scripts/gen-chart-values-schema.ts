/**
 * Writes the `config` property of the Helm chart's values.schema.json from
 * schema/config.schema.json (itself generated from the code), so `helm lint`, `helm template`
 * and `helm install` refuse a config typo before any pod starts. The rest of the file (the
 * chart's own values) is written by hand.
 *   node --import tsx scripts/gen-chart-values-schema.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');
export const CHART_VALUES_SCHEMA = join(ROOT, 'helm', 'claude-audit-forwarder', 'values.schema.json');
const CONFIG_SCHEMA = join(ROOT, 'schema', 'config.schema.json');

const CONFIG_DESCRIPTION =
  "The forwarder's config file (see docs/kubernetes.md), checked against the forwarder's own JSON Schema (generated from schema/config.schema.json by scripts/gen-chart-values-schema.ts); the validate init container then checks what a schema cannot (files, addresses).";

/** `valuesSchema` (the chart's current file) with its `config` property regenerated. */
export function renderChartValuesSchema(valuesSchema: string, configSchema: string): string {
  const values = JSON.parse(valuesSchema) as { properties: Record<string, unknown> };
  // Helm validates with draft-07: the config schema's own $schema (2020-12) and title do not belong inside.
  const { $schema: _draft, title: _title, ...config } = JSON.parse(configSchema) as Record<string, unknown>;
  values.properties.config = { description: CONFIG_DESCRIPTION, ...config };
  return JSON.stringify(values, null, 2) + '\n';
}

/** The chart's values.schema.json as the checked-in files make it. */
export function expectedChartValuesSchema(): string {
  return renderChartValuesSchema(
    readFileSync(CHART_VALUES_SCHEMA, 'utf8'),
    readFileSync(CONFIG_SCHEMA, 'utf8'),
  );
}

if (require.main === module) writeFileSync(CHART_VALUES_SCHEMA, expectedChartValuesSchema());
