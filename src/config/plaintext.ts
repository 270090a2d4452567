import type { z } from 'zod';
import { isLoopbackHost } from '../util/loopback';

/**
 * Plaintext by accident is refused: a sink that would send events (and credentials) in clear
 * to another host needs `allow_plaintext: true` on that sink. Each sink's config describes its
 * own plaintext path; the rule, the message and the start-up warning live here, once.
 */
export interface PlaintextPath {
  /** The field that chose plaintext (`tls`, `transport`, `endpoint`), relative to the sink. */
  readonly field: string;
  /** The hosts reached in clear. */
  readonly hosts: readonly string[];
  /** A credential that crosses with the events, e.g. "the HEC token". */
  readonly credential?: string;
  /** How to turn encryption on, in the words of this sink's config. */
  readonly fix: string;
}

function remoteHosts(path: PlaintextPath): string[] {
  return path.hosts.filter((h) => !isLoopbackHost(h));
}

function carried(path: PlaintextPath): string {
  return path.credential ? `events and ${path.credential}` : 'events';
}

/** Adds the config issue when `path` leaves this machine without the opt-in. */
export function refuseAccidentalPlaintext(
  path: PlaintextPath | undefined,
  allowPlaintext: boolean,
  ctx: z.RefinementCtx,
): void {
  if (!path || allowPlaintext) return;
  const remote = remoteHosts(path);
  if (remote.length === 0) return;
  ctx.addIssue({
    code: 'custom',
    path: [path.field],
    message: `${remote.join(', ')} would be reached without TLS: ${carried(path)} would cross the network in clear; ${path.fix}, or set allow_plaintext: true on this sink for a network you trust`,
  });
}

/** The warning every start logs for a plaintext path that leaves this machine (allowed by opt-in). */
export function plaintextWarning(
  sinkName: string,
  path: PlaintextPath,
): { message: string; meta: Record<string, unknown> } | undefined {
  const remote = remoteHosts(path);
  if (remote.length === 0) return undefined;
  return {
    message: `sink ${sinkName} sends ${carried(path)} in clear (allow_plaintext: true): anyone on the network path can read them`,
    meta: { sink: sinkName, field: `sinks.${sinkName}.${path.field}`, hosts: remote, fix: path.fix },
  };
}
