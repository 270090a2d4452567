import type { z } from 'zod';
import type { Sink, SinkContext } from './sink';
import type { PlaintextPath } from '../config/plaintext';
import type { PipelineRecord } from '../pipeline/record';
import { outputFormat } from '../config/fields';
import { serializeEvent } from '../normalize';

/** How a sink would carry a record, for `run --dry-run`: the payload, without framing or headers. */
export interface SinkPreview {
  /** Sinks with the same label print the same text, so dry-run prints it once for them. */
  readonly format: string;
  render(record: PipelineRecord): string;
}

/** What a sink folder exports: its config schema and how to build it (see registry.ts). */
export interface SinkFactory<Schema extends z.ZodType = z.ZodType> {
  readonly type: string;
  /** A strict object schema whose `type` field is the literal above. */
  readonly configSchema: Schema;
  create(name: string, config: z.output<Schema>, ctx: SinkContext): Sink;
  /** What this sink would send in clear, if anything (warned about at every start). */
  plaintext?(config: z.output<Schema>): PlaintextPath | undefined;
  /** The payload this sink sends, when it is not the event in the sink's `format` (the default). */
  preview?(config: z.output<Schema>): SinkPreview;
}

/** A sink's own preview, or the event serialized in its `format` (ocsf when it has none). */
export function sinkPreview<Schema extends z.ZodType>(
  factory: SinkFactory<Schema>,
  config: z.output<Schema>,
): SinkPreview {
  if (factory.preview) return factory.preview(config);
  const declared = outputFormat.safeParse((config as { format?: unknown }).format);
  const format = declared.success ? declared.data : 'ocsf';
  return { format, render: (record) => serializeEvent(record, format) };
}

export function defineSink<Schema extends z.ZodType>(factory: SinkFactory<Schema>): SinkFactory<Schema> {
  return factory;
}
