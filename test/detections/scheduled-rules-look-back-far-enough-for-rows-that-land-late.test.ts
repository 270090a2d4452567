import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DETECTIONS } from './support/sigma';

/**
 * Issue #24: a SIEM's event time is the activity's created_at, and rows land later: minutes
 * (the feed's indexing lag, polling), and Access Transparency rows up to two business days
 * (four calendar days over a weekend, spec access-transparency.md). A scheduled rule that
 * looks back only over its interval never sees them. Kibana creates no second alert for an
 * event an earlier run's look-back already alerted on, so the look-back can be long.
 */
const LATE = /anthropic_access|cmek_preserve/;
const DAY_MS = 86_400_000;

function kibanaMs(from: string): number {
  const m = /^now-(\d+)([mhd])$/.exec(from);
  assert.ok(m !== null, `not a Kibana look-back: ${from}`);
  return Number(m[1]) * { m: 60_000, h: 3_600_000, d: DAY_MS }[m[2] as 'm' | 'h' | 'd'];
}

function isoDays(duration: string): number {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$/.exec(duration);
  assert.ok(m !== null, `not a duration: ${duration}`);
  return Number(m[1] ?? 0) + Number(m[2] ?? 0) / 24 + Number(m[3] ?? 0) / 1440;
}

test('every Kibana rule looks back at least a day, and four days for Access Transparency rows', () => {
  const rules = readFileSync(join(DETECTIONS, 'dist/elastic/detection_rules.ndjson'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { name: string; query: string; from: string });
  assert.ok(rules.length >= 40);
  const late = rules.filter((r) => LATE.test(r.query));
  assert.equal(late.length, 2, 'the two Access Transparency rules');
  for (const r of rules) {
    const need = LATE.test(r.query) ? 4 * DAY_MS : DAY_MS;
    assert.ok(kibanaMs(r.from) >= need, `${r.name}: from ${r.from}`);
  }
});

test('the Sentinel Access Transparency rules look back at least four days of TimeGenerated', () => {
  const template = JSON.parse(
    readFileSync(join(DETECTIONS, 'dist/sentinel/analytics_rules.json'), 'utf8'),
  ) as {
    resources: { properties: { displayName: string; query: string; queryPeriod: string } }[];
  };
  const late = template.resources.map((r) => r.properties).filter((p) => LATE.test(p.query));
  assert.equal(late.length, 2, 'the two Access Transparency rules');
  for (const p of late) assert.ok(isoDays(p.queryPeriod) >= 4, `${p.displayName}: ${p.queryPeriod}`);
});
