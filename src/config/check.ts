import { resolve } from 'node:path';
import type { ForwarderConfig } from './schema';
import { ConfigError } from '../util/errors';
import { buildTlsOptions, tlsEnabled, type TlsConfig } from '../util/tls';
import { isSymlink, SymlinkRefusedError } from '../util/no-follow';
import { silentLogger } from '../observability/logger';

/**
 * The checks that need the file system, run by `validate` and `run` alike (through
 * loadConfig), so that `validate` refuses whatever `run` would: every TLS file must be
 * readable, and no data file may be a symbolic link.
 */
export function checkConfigFiles(config: ForwarderConfig, baseDir: string): void {
  const dataFiles: [field: string, path: string, what: string][] = [
    ['checkpoint.path', config.checkpoint.path, 'the checkpoint'],
    ['dead_letter.path', config.dead_letter.path, 'the dead-letter file'],
  ];
  const tlsSections: [field: string, tls: TlsConfig][] = [];
  if (config.source.base_url.startsWith('https:') && config.source.tls) tlsSections.push(['source.tls', config.source.tls]);
  for (const [name, sink] of Object.entries(config.sinks)) {
    if (sink.type === 'file') dataFiles.push([`sinks.${name}.path`, sink.path, `the file of sink ${name}`]);
    if ('tls' in sink && sink.tls && tlsEnabled(sink.tls)) tlsSections.push([`sinks.${name}.tls`, sink.tls]);
  }
  for (const [field, path, what] of dataFiles) {
    const full = resolve(baseDir, path);
    if (isSymlink(full)) throw new ConfigError(new SymlinkRefusedError(full, what).message, field);
  }
  for (const [field, tls] of tlsSections) {
    buildTlsOptions(tls, { fieldPath: field, component: field, logger: silentLogger, baseDir });
  }
}
