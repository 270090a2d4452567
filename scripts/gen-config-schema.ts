/**
 * Writes schema/config.schema.json from the config schema in code (the one source of
 * truth), for editors: add `# yaml-language-server: $schema=<path to>/schema/config.schema.json` to a config.
 *   node --import tsx scripts/gen-config-schema.ts
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configJsonSchema } from '../src/config/schema';

export function renderConfigSchema(): string {
  const schema = { title: 'claude-audit-forwarder configuration', ...(configJsonSchema() as object) };
  return JSON.stringify(schema, null, 2) + '\n';
}

if (require.main === module) {
  writeFileSync(join(__dirname, '..', 'schema', 'config.schema.json'), renderConfigSchema());
}
