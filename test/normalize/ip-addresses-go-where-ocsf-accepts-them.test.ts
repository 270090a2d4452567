import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { isOcsfIp } from '../../src/normalize/values';
import { OCSF_DIR } from './support/ocsf-schemas';

/**
 * `src_endpoint.ip` takes an address only when OCSF's `ip_t` pattern accepts it (otherwise
 * the event would fail validation; the value stays under `unmapped`). IPv4 skips the
 * pattern: every IPv4 address node accepts, the pattern accepts too. That shortcut is held
 * here to the pattern as the published schema states it.
 */
const schemaText = readFileSync(path.join(OCSF_DIR, '1.8.0', 'authentication.json'), 'utf8');
const ipPattern = (() => {
  const match = /"pattern":\s*("(?:[^"\\]|\\.)*25\[0-5\](?:[^"\\]|\\.)*")/.exec(schemaText);
  assert.ok(match, 'the schema carries the ip_t pattern');
  return new RegExp(JSON.parse(match[1]) as string, 'u');
})();

const viaPattern = (s: string): boolean => s.length <= 40 && isIP(s) !== 0 && ipPattern.test(s);

function* candidates(): Generator<string> {
  let seed = 7;
  const rand = (n: number): number => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) % n;
  const octets = [
    '0',
    '1',
    '9',
    '10',
    '99',
    '100',
    '199',
    '200',
    '249',
    '250',
    '255',
    '256',
    '300',
    '00',
    '01',
    '001',
    '-1',
    ' 1',
    '1 ',
    'a',
    '',
  ];
  for (let i = 0; i < 20_000; i++)
    yield Array.from({ length: 4 }, () =>
      rand(4) === 0 ? octets[rand(octets.length)] : String(rand(256)),
    ).join(rand(50) === 0 ? ',' : '.');
  yield* [
    '1.2.3',
    '1.2.3.4.5',
    ' 1.2.3.4',
    '1.2.3.4 ',
    '1.2.3.4\n',
    '١.٢.٣.٤',
    '::1',
    '::ffff:1.2.3.4',
    'fe80::1%eth0',
    '2001:db8::',
    '2001:db8:0:0:0:0:2:1',
    'gggg::1',
    '1::2::3',
    ':::',
    '::',
    '2001:0db8:85a3:0000:0000:8a2e:0370:7334',
  ];
}

test('isOcsfIp agrees with node and the OCSF ip_t pattern on IPv4 and IPv6 alike', () => {
  let accepted = 0;
  for (const s of candidates()) {
    assert.equal(isOcsfIp(s), viaPattern(s), JSON.stringify(s));
    if (isOcsfIp(s)) accepted++;
  }
  assert.ok(accepted > 5000, `the candidates exercise the accepting side too (${accepted})`);
  for (const v of [undefined, null, 42, {}, ['1.2.3.4'], '1.2.3.4'.padEnd(41, '0')])
    assert.equal(isOcsfIp(v), false);
});
