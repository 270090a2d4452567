import type { z } from 'zod';
import type { Sink, SinkContext } from './sink';
import type { PlaintextPath } from '../config/plaintext';

/** What a sink folder exports: its config schema and how to build it (see registry.ts). */
export interface SinkFactory<Schema extends z.ZodType = z.ZodType> {
  readonly type: string;
  /** A strict object schema whose `type` field is the literal above. */
  readonly configSchema: Schema;
  create(name: string, config: z.output<Schema>, ctx: SinkContext): Sink;
  /** What this sink would send in clear, if anything (warned about at every start). */
  plaintext?(config: z.output<Schema>): PlaintextPath | undefined;
}

export function defineSink<Schema extends z.ZodType>(factory: SinkFactory<Schema>): SinkFactory<Schema> {
  return factory;
}
