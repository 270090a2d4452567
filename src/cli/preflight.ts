import { hostname } from 'node:os';
import type { ForwarderConfig } from '../config/schema';
import { checkDataDirectories } from '../config/check';
import { createSinks } from '../forwarder';
import type { Sink } from '../sinks/sink';
import { createApiClient } from '../source/from-config';
import type { ComplianceApiClient } from '../source/client';
import { RateGovernor } from '../source/rate-limit';
import { silentLogger } from '../observability/logger';
import { AbortedError, errorMessage } from '../util/errors';
import { VERSION } from '../version';

/**
 * What `run` checks before it starts anything, and `validate` with it: the data directories
 * accept files, and every sink and the source can be built from their sections (addresses,
 * TLS files and key pairs, proxies). Nothing connects; building a component opens nothing.
 * (`loadConfig` already read the `*_file` secrets and the TLS files.)
 */
export async function checkBeforeStart(config: ForwarderConfig, baseDir: string): Promise<void> {
  checkDataDirectories(config, baseDir);
  buildSinks(config, baseDir);
  await withSourceClient(config, baseDir, () => Promise.resolve());
}

function buildSinks(config: ForwarderConfig, baseDir: string): Sink[] {
  return createSinks(config, { logger: silentLogger, hostname: hostname(), version: VERSION, baseDir });
}

/** Runs `use` with a client of the configured source, closed (with its rate governor) afterwards. */
export async function withSourceClient(
  config: ForwarderConfig,
  baseDir: string,
  use: (client: ComplianceApiClient) => Promise<void>,
): Promise<void> {
  const governor = new RateGovernor(config.source.max_requests_per_minute);
  const client = createApiClient(config.source, { logger: silentLogger, governor, baseDir });
  try {
    await use(client);
  } finally {
    client.close();
    await governor.stop();
  }
}

/** One component that could not be reached: `name` is how the config names it. */
export interface ConnectFailure {
  readonly name: string;
  readonly problem: string;
}

/**
 * `validate --connect`: each sink's start-up check (start, then close) and one request to
 * the source, each bounded by `timeoutMs`. Resolves with what failed, in config order.
 */
export async function checkConnections(
  config: ForwarderConfig,
  baseDir: string,
  timeoutMs: number,
): Promise<ConnectFailure[]> {
  const sinks = buildSinks(config, baseDir);
  const checks = sinks.map(async (sink): Promise<ConnectFailure | undefined> => {
    const name = `sinks.${sink.name} (${sink.type})`;
    try {
      await sink.start(AbortSignal.timeout(timeoutMs));
    } catch (err) {
      return {
        name,
        problem: err instanceof AbortedError ? `no answer within ${timeoutMs / 1000} s` : errorMessage(err),
      };
    } finally {
      await sink.close().catch(() => undefined);
    }
    return undefined;
  });
  const source = withSourceClient(config, baseDir, async (client) => {
    await client.fetchPage({ limit: 1, order: 'desc' }, AbortSignal.timeout(timeoutMs));
  }).then(
    (): ConnectFailure | undefined => undefined,
    (err: unknown): ConnectFailure => ({
      name: `source (${config.source.base_url})`,
      problem: err instanceof AbortedError ? `no answer within ${timeoutMs / 1000} s` : errorMessage(err),
    }),
  );
  const results = await Promise.all([source, ...checks]);
  return results.filter((r): r is ConnectFailure => r !== undefined);
}
