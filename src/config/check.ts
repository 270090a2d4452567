import { randomBytes } from 'node:crypto';
import { existsSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { ForwarderConfig } from './schema';
import { ConfigError, errorMessage } from '../util/errors';
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
  if (config.source.base_url.startsWith('https:') && config.source.tls)
    tlsSections.push(['source.tls', config.source.tls]);
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

/**
 * The directories `run` writes its state in (checkpoint, dead-letter file) accept a file:
 * probed with a file that is removed at once, in the nearest directory that exists, so the
 * check creates nothing that stays (run creates the missing directories itself).
 */
export function checkDataDirectories(config: ForwarderConfig, baseDir: string): void {
  const targets: [field: string, path: string, what: string][] = [
    ['checkpoint.path', config.checkpoint.path, 'the checkpoint'],
    ['dead_letter.path', config.dead_letter.path, 'the dead-letter file'],
  ];
  for (const [field, path, what] of targets) probeWritable(dirname(resolve(baseDir, path)), field, what);
}

function probeWritable(dir: string, field: string, what: string): void {
  let existing = dir;
  while (!existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing);
  if (!statSync(existing).isDirectory()) {
    throw new ConfigError(
      `${existing} is not a directory, so ${what} cannot be written under it; point ${field} at a writable directory`,
      field,
    );
  }
  const probe = join(existing, `.claude-audit-forwarder-probe-${randomBytes(6).toString('hex')}`);
  try {
    writeFileSync(probe, '', { flag: 'wx', mode: 0o600 });
  } catch (err) {
    throw new ConfigError(
      `cannot write ${what} in ${existing} (${errorMessage(err)}); make ${existing} writable (in a container: mount a volume there) or point ${field} at a writable directory`,
      field,
    );
  } finally {
    rmSync(probe, { force: true });
  }
}
