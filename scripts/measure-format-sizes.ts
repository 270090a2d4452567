// Average and 95th-percentile size of one activity in each output format, over the
// simulator's realistic mix (what the demo serves): the numbers in docs/formats.md.
// Usage: node --import tsx scripts/measure-format-sizes.ts [count]
import { makeRandomActivity } from '../src/simulator/generate';
import { serializeEvent } from '../src/normalize';
import type { OutputFormat } from '../src/config/fields';

const count = Number(process.argv[2] ?? 20_000);
const formats: OutputFormat[] = ['raw', 'ecs', 'ocsf'];
const sizes = new Map<OutputFormat, number[]>(formats.map((f) => [f, []]));
for (let i = 0; i < count; i++) {
  const activity = makeRandomActivity(i + 1);
  const record = { seq: i + 1, activity, raw: JSON.stringify(activity) };
  for (const f of formats) sizes.get(f)!.push(Buffer.byteLength(serializeEvent(record, f)));
}
const rawMean = mean(sizes.get('raw')!);
console.log(`| format | mean bytes | p95 bytes | vs raw |`);
console.log(`| --- | ---: | ---: | ---: |`);
for (const f of formats) {
  const s = sizes.get(f)!.sort((a, b) => a - b);
  const m = mean(s);
  console.log(
    `| ${f} | ${Math.round(m)} | ${s[Math.floor(s.length * 0.95)]} | ${(m / rawMean).toFixed(2)}× |`,
  );
}
console.log(`\n${count} activities, seeds 1..${count}.`);

function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}
