import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createSecureContext, type ConnectionOptions } from 'node:tls';
import { z } from 'zod';
import { ConfigError, errorMessage } from './errors';
import type { Logger } from '../observability/logger';

/**
 * The one TLS options builder: every sink and the API client turn their `tls:` section
 * into Node's options here, so verification is on by default everywhere and turning it off
 * always leaves a warning in the log.
 */
export const tlsSchema = z.strictObject({
  /** For sinks where TLS is optional (Kafka): turn it on. Implied by any other field. */
  enabled: z.boolean().optional(),
  /** PEM bundle of CAs to trust instead of the system store. */
  ca_file: z.string().min(1).optional(),
  /** Client certificate and key (PEM) for mutual TLS. */
  cert_file: z.string().min(1).optional(),
  key_file: z.string().min(1).optional(),
  key_password: z.string().optional(),
  /** Name to verify in the server certificate (and SNI) when it differs from the address. */
  server_name: z.string().min(1).optional(),
  /** Verify the server certificate and name. Turning this off must be explicit. */
  verify: z.boolean().default(true),
  min_version: z.enum(['TLSv1.2', 'TLSv1.3']).default('TLSv1.2'),
});
export type TlsConfig = z.infer<typeof tlsSchema>;

export function tlsEnabled(cfg: TlsConfig | undefined): boolean {
  if (!cfg) return false;
  if (cfg.enabled !== undefined) return cfg.enabled;
  return true;
}

function readPem(path: string, field: string, baseDir: string): Buffer {
  try {
    return readFileSync(resolve(baseDir, path));
  } catch (err) {
    throw new ConfigError(
      `cannot read ${path} (${errorMessage(err)}); point it at a readable PEM file`,
      field,
    );
  }
}

/** A certificate and key that do not belong together fail every handshake: say so before connecting. */
function refuseMismatchedPair(options: ConnectionOptions, fieldPath: string): void {
  try {
    createSecureContext({ cert: options.cert, key: options.key, passphrase: options.passphrase });
  } catch (err) {
    throw new ConfigError(
      `the client certificate and key do not form a pair (${errorMessage(err)}); point cert_file and key_file at the certificate and its own private key (and key_password at the key's passphrase, if it has one)`,
      `${fieldPath}.key_file`,
    );
  }
}

/**
 * Builds Node TLS options. `fieldPath` names the config section in errors
 * (e.g. "sinks.splunk.tls"); `component` names who warns when verification is off.
 */
export function buildTlsOptions(
  cfg: TlsConfig | undefined,
  opts: { fieldPath: string; component: string; logger: Logger; baseDir: string },
): ConnectionOptions {
  const c = cfg ?? tlsSchema.parse({});
  const out: ConnectionOptions = { rejectUnauthorized: c.verify, minVersion: c.min_version };
  if (c.ca_file) out.ca = readPem(c.ca_file, `${opts.fieldPath}.ca_file`, opts.baseDir);
  if (c.cert_file || c.key_file) {
    if (!c.cert_file || !c.key_file) {
      throw new ConfigError(
        'cert_file and key_file go together for mutual TLS; set both or neither',
        opts.fieldPath,
      );
    }
    out.cert = readPem(c.cert_file, `${opts.fieldPath}.cert_file`, opts.baseDir);
    out.key = readPem(c.key_file, `${opts.fieldPath}.key_file`, opts.baseDir);
    if (c.key_password) out.passphrase = c.key_password;
    refuseMismatchedPair(out, opts.fieldPath);
  }
  if (c.server_name) out.servername = c.server_name;
  if (!c.verify) {
    opts.logger.warn(
      'TLS certificate verification is OFF (tls.verify: false): the connection can be intercepted',
      {
        component: opts.component,
        field: `${opts.fieldPath}.verify`,
      },
    );
  }
  return out;
}
