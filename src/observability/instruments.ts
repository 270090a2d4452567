import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { metrics as otelMetrics, type Attributes, type Meter } from '@opentelemetry/api';

/**
 * Each metric is declared once and lands in two places: a prom-client Registry of our own
 * (never the global default, so embedding code and tests cannot collide with it) served on
 * /metrics, and — only when telemetry is on — an OpenTelemetry instrument of the same name
 * exported over OTLP. Counters and histograms are recorded into both as events happen;
 * gauges are sampled from the running forwarder whenever either side collects.
 */

export type LabelValues<L extends string> = Readonly<Partial<Record<L, string>>>;
export type Sample<L extends string> = readonly [LabelValues<L>, number];

export interface CounterHandle<L extends string> {
  inc(labels: LabelValues<L>, value?: number): void;
}

export interface HistogramHandle<L extends string> {
  observe(labels: LabelValues<L>, value: number): void;
}

/** OTLP instrument names: no `_total` (exporters add their own suffixes), unit as metadata. */
function otelName(name: string): string {
  return name.replace(/_total$/, '');
}

function unitOf(name: string): string | undefined {
  return /_seconds(_total)?$/.test(name) ? 's' : /_bytes(_total)?$/.test(name) ? 'By' : undefined;
}

function attributes<L extends string>(labels: LabelValues<L>): Attributes {
  const out: Attributes = {};
  for (const [k, v] of Object.entries(labels)) if (typeof v === 'string') out[k] = v;
  return out;
}

export class Instruments {
  readonly registry = new Registry();
  private readonly meter?: Meter;

  /** `otel`: also create OpenTelemetry instruments (call after the SDK is registered). */
  constructor(
    options: { readonly otel?: boolean; readonly version?: string; readonly processMetrics?: boolean } = {},
  ) {
    if (options.otel) this.meter = otelMetrics.getMeter('claude-audit-forwarder', options.version);
    // process_* and nodejs_* (memory, CPU, event-loop lag): the bounded-memory promise is
    // something an operator should be able to watch.
    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  counter<L extends string>(name: string, help: string, labelNames: readonly L[] = []): CounterHandle<L> {
    const prom = new Counter<L>({ name, help, labelNames: [...labelNames], registers: [this.registry] });
    const otel = this.meter?.createCounter(otelName(name), { description: help, unit: unitOf(name) });
    return {
      inc: (labels, value = 1) => {
        if (value <= 0) return;
        prom.inc(labels as Partial<Record<L, string>>, value);
        otel?.add(value, attributes(labels));
      },
    };
  }

  histogram<L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    buckets: readonly number[],
  ): HistogramHandle<L> {
    const prom = new Histogram<L>({
      name,
      help,
      labelNames: [...labelNames],
      buckets: [...buckets],
      registers: [this.registry],
    });
    const otel = this.meter?.createHistogram(otelName(name), {
      description: help,
      unit: unitOf(name),
      advice: { explicitBucketBoundaries: [...buckets] },
    });
    return {
      observe: (labels, value) => {
        prom.observe(labels as Partial<Record<L, string>>, value);
        otel?.record(value, attributes(labels));
      },
    };
  }

  /** A value read from the running forwarder each time metrics are collected. */
  gauge<L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    sample: () => Iterable<Sample<L>>,
  ): void {
    const read = neverThrowing(sample);
    new Gauge<L>({
      name,
      help,
      labelNames: [...labelNames],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [labels, value] of read())
          if (Number.isFinite(value)) this.set(labels as Partial<Record<L, string>>, value);
      },
    });
    this.meter
      ?.createObservableGauge(otelName(name), { description: help, unit: unitOf(name) })
      .addCallback((result) => {
        for (const [labels, value] of read())
          if (Number.isFinite(value)) result.observe(value, attributes(labels));
      });
  }

  /** A counter kept by someone else (a sink's own statistics), read at collection time. */
  observedCounter<L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    sample: () => Iterable<Sample<L>>,
  ): void {
    const read = neverThrowing(sample);
    new Counter<L>({
      name,
      help,
      labelNames: [...labelNames],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [labels, value] of read())
          if (Number.isFinite(value) && value > 0) this.inc(labels as Partial<Record<L, string>>, value);
      },
    });
    this.meter
      ?.createObservableCounter(otelName(name), { description: help, unit: unitOf(name) })
      .addCallback((result) => {
        for (const [labels, value] of read())
          if (Number.isFinite(value)) result.observe(value, attributes(labels));
      });
  }
}

/**
 * Label values that come from outside (activity types from the API, rejection reasons from
 * a sink) could grow without bound; past `limit` distinct values they are counted as
 * "other" so one misbehaving input cannot blow up the scrape.
 */
export class BoundedLabel {
  private readonly seen = new Set<string>();

  constructor(private readonly limit: number) {}

  of(value: string): string {
    if (this.seen.has(value)) return value;
    if (this.seen.size >= this.limit) return 'other';
    this.seen.add(value);
    return value;
  }
}

/** Wraps a sampler so that it never breaks a scrape (e.g. when read during shutdown). */
function neverThrowing<L extends string>(sample: () => Iterable<Sample<L>>): () => Sample<L>[] {
  return () => {
    try {
      return [...sample()];
    } catch {
      return [];
    }
  };
}
