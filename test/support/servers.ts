import type { TestContext } from 'node:test';

/**
 * Integration suites use real servers (rsyslog, syslog-ng, Kafka, dockerd). When one cannot
 * start: under CI=true the suite fails; elsewhere it is skipped, loudly, saying what to
 * install. Call from a `before` hook or at the top of a test.
 */
export function isCI(): boolean {
  return process.env.CI === 'true' || process.env.CI === '1';
}

export class ServerUnavailable extends Error {
  override readonly name = 'ServerUnavailable';
  constructor(
    readonly server: string,
    readonly howToInstall: string,
    reason: string,
  ) {
    super(`${server} is not available: ${reason}. To run this suite: ${howToInstall}`);
  }
}

/**
 * Starts a server for a suite. Returns undefined (and tells the user why, on stderr) when it
 * is unavailable outside CI; throws inside CI.
 */
export async function startOrSkip<T>(
  server: string,
  howToInstall: string,
  start: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await start();
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    const unavailable =
      err instanceof ServerUnavailable ? err : new ServerUnavailable(server, howToInstall, reason);
    if (isCI()) throw unavailable;
    process.stderr.write(`\n*** SKIPPING: ${unavailable.message}\n\n`);
    return undefined;
  }
}

/** Skips the current test (outside CI) when its server did not start. */
export function skipIfMissing(t: TestContext, server: unknown, name: string): boolean {
  if (server !== undefined) return false;
  t.skip(`${name} unavailable (see the SKIPPING line above)`);
  return true;
}
