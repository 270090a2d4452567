import assert from 'node:assert/strict';
import { startSimulator, type SimulatorHandle } from '../../../src/simulator';
import type { Activity } from '../../../src/source/activity';
import { runCli, type CliResult } from '../../support/forwarder';

/**
 * A simulator holding only the activities a query test names (no backlog, no self events),
 * and the CLI run against it with the key in ANTHROPIC_COMPLIANCE_KEY, as a person would.
 */
export async function emptyFeed(): Promise<SimulatorHandle> {
  return startSimulator({ seed: 19, backlog: 0, selfEvents: false, rate: 0 });
}

let counter = 0;

/** An activity `minutesAgo` old, with the given actor and type-specific fields. */
export function activity(
  sim: SimulatorHandle,
  minutesAgo: number,
  type: string,
  actor: Activity['actor'],
  extra: Record<string, unknown> = {},
): Activity {
  counter++;
  return {
    id: `activity_01Query${String(counter).padStart(4, '0')}Test${'x'.repeat(6)}`,
    created_at: new Date(Date.now() - minutesAgo * 60_000).toISOString().replace('Z', '123Z'),
    organization_id: sim.tenant.organizationId,
    organization_uuid: sim.tenant.organizationUuid,
    type,
    actor,
    ...extra,
  };
}

export function userActor(id: string, email: string): Activity['actor'] {
  return {
    type: 'user_actor',
    user_id: id,
    email_address: email,
    ip_address: '192.0.2.7',
    user_agent: 'Mozilla/5.0',
  };
}

export function keyActor(field: 'api_key_id' | 'admin_api_key_id', id: string): Activity['actor'] {
  return {
    type: field === 'api_key_id' ? 'api_actor' : 'admin_api_key_actor',
    [field]: id,
    ip_address: '2001:db8::9',
    user_agent: 'python-requests/2.32.5',
  };
}

export function cli(sim: SimulatorHandle, args: readonly string[]): Promise<CliResult> {
  return runCli([...args, '--base-url', sim.url], {
    env: { ANTHROPIC_COMPLIANCE_KEY: sim.apiKey },
  });
}

export const FORMATS = ['table', 'json', 'csv', 'ocsf', 'ecs'] as const;
export type Format = (typeof FORMATS)[number];

/** What one output line names: the activity id, or for the table (which shows none) its type. */
function keysOf(stdout: string, format: Format): string[] {
  const lines = stdout.split('\n').filter((l) => l !== '');
  switch (format) {
    case 'table':
      return lines.slice(1).map((l) => l.split(/\s{2,}/)[1]);
    case 'csv':
      return lines.slice(1).map((l) => l.split(',')[1]);
    case 'json':
      return lines.map((l) => (JSON.parse(l) as { id: string }).id);
    case 'ocsf':
      return lines.map((l) => (JSON.parse(l) as { metadata: { uid: string } }).metadata.uid);
    case 'ecs':
      return lines.map((l) => (JSON.parse(l) as { event: { id: string } }).event.id);
  }
}

/** `query … --format F` prints exactly `expected`, in ascending order, in each of `formats`. */
export async function assertQueryGives(
  sim: SimulatorHandle,
  args: readonly string[],
  expected: readonly Activity[],
  formats: readonly Format[] = FORMATS,
): Promise<void> {
  const sorted = [...expected].sort((a, b) => a.created_at.localeCompare(b.created_at));
  for (const format of formats) {
    const r = await cli(sim, ['query', ...args, '--format', format]);
    assert.equal(r.code, 0, `${format}: ${r.stderr}`);
    const want = sorted.map((a) => (format === 'table' ? a.type : a.id));
    assert.deepEqual(keysOf(r.stdout, format), want, `query ${args.join(' ')} --format ${format}`);
  }
}
