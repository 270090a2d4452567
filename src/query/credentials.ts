import { readFileSync } from 'node:fs';
import { loadConfig } from '../config/load';
import { sourceSchema, type SourceConfig } from '../config/schema';
import type { LogFormat, LogLevel } from '../observability/logger';
import { registerSecret } from '../observability/redact';
import { ConfigError, errorMessage } from '../util/errors';

export const API_KEY_ENV = 'ANTHROPIC_COMPLIANCE_KEY';

export interface CredentialFlags {
  readonly config?: string;
  readonly apiKeyFile?: string;
  readonly baseUrl?: string;
}

export interface QuerySource {
  readonly source: SourceConfig;
  readonly log: { readonly level: LogLevel; readonly format: LogFormat };
}

/** Which flag or variable a source field came from, when there is no config file. */
const FLAG_OF: Record<string, string> = {
  api_key: `${API_KEY_ENV} (or --api-key-file)`,
  base_url: '--base-url',
};

/**
 * The `source` section of `-c`, or without a config one built from the key in
 * ANTHROPIC_COMPLIANCE_KEY / --api-key-file and --base-url, with every other default.
 */
export function querySource(flags: CredentialFlags, env: NodeJS.ProcessEnv = process.env): QuerySource {
  if (flags.config) {
    if (flags.apiKeyFile || flags.baseUrl)
      throw new ConfigError('give either -c or --api-key-file/--base-url, not both', '--config');
    const { config } = loadConfig(flags.config, { env });
    return { source: config.source, log: { level: 'warn', format: config.log.format } };
  }
  let apiKey = env[API_KEY_ENV];
  if (flags.apiKeyFile) {
    try {
      apiKey = readFileSync(flags.apiKeyFile, 'utf8').trim();
    } catch (err) {
      throw new ConfigError(`cannot read ${flags.apiKeyFile} (${errorMessage(err)})`, '--api-key-file');
    }
  }
  // Kept out of every log and error line, as a config's secrets are.
  registerSecret(apiKey);
  const parsed = sourceSchema.safeParse({
    ...(flags.baseUrl ? { base_url: flags.baseUrl } : {}),
    ...(apiKey ? { api_key: apiKey } : {}),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = String(issue.path[0] ?? 'source');
    const message =
      field === 'api_key' && !apiKey
        ? `missing; set ${API_KEY_ENV}, pass --api-key-file, or give a config with -c`
        : issue.message;
    throw new ConfigError(message, FLAG_OF[field] ?? `source.${field}`);
  }
  return { source: parsed.data, log: { level: 'warn', format: 'text' } };
}
