import type { Activity } from '../../../src/source/activity';
import type { Sink, SinkContext } from '../../../src/sinks/sink';

/**
 * What the conformance suite (test/sinks/conformance.test.ts) needs from each sink type's
 * destination. Every registered sink type must have one (HARNESSES in index.ts): a sink
 * added later fails the suite until it has a harness and passes it.
 */

/** A behaviour this destination cannot show, and why (the test says so when it skips). */
export interface Never {
  readonly never: string;
}

export function isNever<T extends object>(v: T | Never): v is Never {
  return 'never' in v;
}

export interface Refusal {
  readonly make: (base: Activity) => Activity;
  /** What the dead-letter reason must say. */
  readonly reason: RegExp;
  /** Who refuses it: the destination (a request counted as rejected) or the sink's encoder. */
  readonly by: 'destination' | 'encoder';
}

export interface Destination {
  /** `sinks.<name>` as the user would write it, pointing here, with fast retries. */
  readonly config: Record<string, unknown>;
  /** Builds the sink when the registered factory cannot be pointed here (stdout's stream). */
  build?(name: string, ctx: SinkContext): Sink;
  /** Ids of the activities the destination holds now. */
  received(): Promise<readonly string[]>;
  /** Makes every delivery fail transiently until `recover()`. */
  breakTransiently(): Promise<void>;
  recover(): Promise<void>;
  /** An activity the destination refuses for good, and what the dead-letter reason says. */
  readonly refusal: Refusal | Never;
  /** A config whose start-up check fails. */
  readonly brokenConfig: Record<string, unknown> | Never;
  dispose(): Promise<void>;
}

export interface Harness {
  readonly type: string;
  /** Starts the destination; undefined when its server is missing (skipped loudly, failing under CI). */
  setUp(dir: string): Promise<Destination | undefined>;
}

/** Fast enough for tests, slow enough to be seen. */
export const FAST_RETRY = { initial_backoff: '20ms', max_backoff: '200ms' };
