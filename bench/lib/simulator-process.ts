/**
 * The Compliance API simulator in a process of its own (its CPU and heap apart from the
 * forwarder's), steerable over IPC so one prerendered store serves several benchmarks:
 * `{ latency: [minMs, maxMs] }`, `{ rateLimit: perMinute }`, `{ stats: true }`.
 * argv[2] is the SimulatorOptions as JSON.
 */
import { startSimulator, type SimulatorOptions } from '../../src/simulator';

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2] ?? '{}') as SimulatorOptions;
  const started = performance.now();
  const sim = await startSimulator(options);
  const send = (m: unknown): void => void process.send?.(m);
  send({ url: sim.url, apiKey: sim.apiKey, startMs: performance.now() - started });
  process.on(
    'message',
    (m: { latency?: [number, number]; rateLimit?: number; stats?: boolean; id: number }) => {
      if (m.latency) sim.setLatency({ minMs: m.latency[0], maxMs: m.latency[1] });
      if (m.rateLimit !== undefined) sim.setRateLimit(m.rateLimit);
      const stats = sim.stats();
      send({ id: m.id, requests: stats.requests, byStatus: stats.byStatus });
    },
  );
  process.on('disconnect', () => void sim.close().then(() => process.exit(0)));
}

void main();
