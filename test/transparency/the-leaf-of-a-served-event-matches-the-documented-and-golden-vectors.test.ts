import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildLeaf, type LeafResult } from '../../src/transparency/leaf';
import { leafHash } from '../../src/transparency/merkle';
import { ENTRY_LENGTHS, LEAF_HASHES, SERVED_EVENTS } from '../support/transparency-vectors';

function built(result: LeafResult) {
  assert.equal(result.kind, 'leaf', result.kind === 'refused' ? result.reason : result.kind);
  if (result.kind !== 'leaf') throw new Error('unreachable');
  return result;
}
const hashOf = (served: string): string => leafHash(built(buildLeaf(served)).entry).toString('base64');

const BASIC_PROD =
  '{"accessed_at":"2025-07-08T18:39:58Z","accessor_department":"Trust & Safety","actor":{"email_address":null,"type":"anthropic_actor"},"created_at":"2025-07-08T18:40:00Z","id":"activity_01GPXmAhizavrUuoXNn3tzeA","organization_id":"org_015gtSHLz269eTwgrH8NX5yk","organization_uuid":"25f6429a-3293-49bf-afed-cb312911554b","reason_code":"safety_review","resource_details":{"id":"msg_01HXAMPLE12345678","parent":null,"type":"message"},"type":"anthropic_access","workspace_id":null}';

test('§8.1: the docs worked example (§3.10.5) gives its 505-byte entry and documented leaf hash', () => {
  const served =
    '{"id":"activity_01GPXmAhizavrUuoXNn3tzeA","type":"anthropic_access","created_at":"2025-07-08T18:40:00Z","accessed_at":"2025-07-08T18:39:58Z","organization_id":"org_015gtSHLz269eTwgrH8NX5yk","organization_uuid":"25f6429a-3293-49bf-afed-cb312911554b","workspace_id":"wrkspc_01PaGUP2rbg1XDh7Z9W1CEpd","workspace_uuid":"b6ce2143-1083-d4a7-247c-17530f55a076","accessor_department":"Trust & Safety","reason_code":"safety_review","actor":{"type":"anthropic_actor","email_address":null},"resource_details":{"type":"message","id":"msg_01HXAMPLE12345678"},"transparency_log_leaf_index":17}';
  const leaf = built(buildLeaf(served));
  assert.equal(leaf.entry.length, 505);
  assert.equal(leaf.leafIndex, 17);
  assert.equal(
    leafHash(leaf.entry).toString('hex'),
    'eaba3bbd3705abeb180d98a21af65a15eb542283122e28370c60eb08a2b51c55',
  );
});

const GOLDEN: readonly (readonly [string, Record<string, unknown>, string])[] = [
  ['basic_prod', {}, 'VIOliWa4LvG9xHvPlvtFU29Jd9+vdG9VQdRB7aG8nqs='],
  [
    'created_at_micros',
    { created_at: '2025-07-08T18:40:00.123456Z' },
    't2wFHiowDNGSBgXUFe9/DXHTFETvpwmGbXtP2Oq4ErA=',
  ],
  [
    'accessed_at_millis',
    { accessed_at: '2025-07-08T18:39:58.120Z' },
    'OFUZ90VAtEDsnbPBJgn781lW07HuwuBt7Qfyy2hutuc=',
  ],
  [
    'accessed_at_micros',
    { accessed_at: '2025-07-08T18:39:58.123456Z' },
    '7hNfqwIon9CkBBQyTHNQz3xXi/HWxA/LbAEhHvq/OhM=',
  ],
  [
    'accessed_at_nanos',
    { accessed_at: '2025-07-08T18:39:58.123456789Z' },
    'aqojI9zqGz5asyVPJZVB8eqRq52oQ28xFeSyGkilc4E=',
  ],
  ['accessed_at_absent', { accessed_at: null }, '/t5GmcU7C4p5vgpdUcJoZ1iDAN33XvrhbX6NqVEyxsc='],
  [
    'optionals_absent',
    { accessor_department: null, resource_details: null },
    'FWvf3kp4VYW4fRV7nP33e/zMGxX1YwZww73yh1zXTUU=',
  ],
  ['dept_empty_string', { accessor_department: '' }, 'jnGdK5HwjRG7ByuuFVJ4nUUL7DZx+mt8wgQzbupZXN8='],
  [
    'dept_unicode',
    { accessor_department: 'S\u00fbret\u00e9 信頼性チーム' },
    'G0nKOcxh6D/JQh1MhflP2N30tqKZAP4n5UO9VkcSu18=',
  ],
  [
    'dept_escapes',
    { accessor_department: 'line\nbreak "quoted" \\ \t \u0007' },
    '34/fvsl17ebhbnCEvAeZNKKe7tRVy278onQaszqk800=',
  ],
  ['reason_incident', { reason_code: 'incident_response' }, '8yXdjTFj4GDa0IqcpUs+DHDaazuwQS3DZ/ch4N0qcoQ='],
  [
    'reason_policy_violation',
    { reason_code: 'policy_violation_investigation' },
    'f1u4oWL2ttk0MOR0fpqfo4g02MpIUA1QRLoOztwzyzU=',
  ],
  ['reason_csae_report', { reason_code: 'csae_report' }, '3N3Y+XeOaOVIn7Im260XJSSYlVVDOvWs6ddJehaIyXc='],
  ['reason_unspecified', { reason_code: 'unspecified' }, 'OwFbOfzFHqixcBk5i/IY3oc2qFsPvqz18myj1afftl0='],
  [
    'workspace_id_tagged',
    { workspace_id: 'wrkspc_01PaGUP2rbg1XDh7Z9W1CEpd' },
    '6ro7vTcFq+sYDZiiGvZaFetUIoMSLig3DGDrCKK1HFU=',
  ],
  ['workspace_strings_empty', { workspace_id: '' }, 'Fmv9Bgd613eRPLcBoBw7XFJUM1fRX3sfNhlKJH9Bugw='],
  [
    'resource_details_empty',
    { resource_details: { id: '', parent: null, type: '' } },
    'uhCIoZFkX4lpC8LErKL0OOBZu/5daA36qV6GDVPnjr0=',
  ],
  [
    'timestamps_pre_epoch',
    { accessed_at: '1969-12-31T23:59:58Z', created_at: '1969-12-31T23:59:59Z' },
    'IqXunNP0Og6gUhmYMKSajDRW3BA+6gT2ihABWaZyPZY=',
  ],
  [
    'created_at_unset_epoch',
    { created_at: '1970-01-01T00:00:00Z' },
    'rQBYD81t0e8pS6OxuYarJWjho2zGG5/BvAyaEWYMmt0=',
  ],
  ['preserve_basic_prod', { type: 'cmek_preserve' }, 'p3LG/AszcNEr0OenyyxzlU1fgs8ENcAKAqoWI+AoA2c='],
  [
    'preserve_optionals_absent',
    { type: 'cmek_preserve', accessed_at: null, accessor_department: null, resource_details: null },
    'KZ7Oba6m6W/2DcquFU3kJ9LMG3htFWjM5PLYTWc1Hgg=',
  ],
];

test('§8.2: every golden vector re-renders to itself, hashes as listed, and survives extra served fields', () => {
  for (const [name, change, expected] of GOLDEN) {
    const canonical = JSON.stringify({ ...(JSON.parse(BASIC_PROD) as object), ...change });
    const leaf = built(buildLeaf(canonical));
    assert.equal(leaf.entry.subarray(1).toString('utf8'), canonical, `${name} re-renders to itself`);
    assert.equal(leafHash(leaf.entry).toString('base64'), expected, name);
    const withExtras = `${canonical.slice(0, -1)},"workspace_uuid":"b6ce2143-1083-d4a7-247c-17530f55a076","transparency_log_leaf_index":7}`;
    const extra = built(buildLeaf(withExtras));
    assert.ok(extra.entry.equals(leaf.entry), `${name}: extra fields are ignored`);
    assert.equal(extra.leafIndex, 7);
  }
});

test('§8.2: escapes render as RFC 8785 says: lowercase \\u000b, literal U+2028, <>&, non-ASCII and / unescaped', () => {
  const served = String.raw`{"type":"anthropic_access","accessor_department":"q\" bs\\ nl\n tab\t bel\u0007 vt\u000B ls\u2028 <>& \u00e9 😀 sl\/"}`;
  const json = built(buildLeaf(served)).entry.subarray(1).toString('utf8');
  assert.ok(
    json.includes(
      String.raw`"accessor_department":"q\" bs\\ nl\n tab\t bel\u0007 vt\u000b ls` + '\u2028 <>& é 😀 sl/"',
    ),
    json,
  );
});

test('§8.3: absent and null fields enter as null; email_address and parent are always null', () => {
  const cases: readonly (readonly [string, string])[] = [
    ['{"type":"cmek_preserve"}', '8fKPXQER3b94/i/g0FKuKRdiF8M/ukHlUMt0oTM4nXc='],
    [
      '{"type":"cmek_preserve","id":null,"actor":null,"resource_details":null,"transparency_log_leaf_index":null}',
      '8fKPXQER3b94/i/g0FKuKRdiF8M/ukHlUMt0oTM4nXc=',
    ],
    [
      '{"type":"anthropic_access","actor":{"type":"anthropic_actor","email_address":"x@example.com"}}',
      'TBI93KQXAzMFoRycOWtfJ+VaqHRE/YgY0RfHeoUN8Q4=',
    ],
    [
      '{"type":"anthropic_access","actor":{},"resource_details":{}}',
      'GObO5oD03kS6DAMd6iUioGZrTNOMtP34Gb4rryy99dk=',
    ],
  ];
  for (const [served, expected] of cases) assert.equal(hashOf(served), expected, served);
  assert.equal(
    built(buildLeaf('{"type":"cmek_preserve","transparency_log_leaf_index":null}')).leafIndex,
    undefined,
  );
});

test('§8.5: the five served events of the test log give the listed entries and leaf hashes', () => {
  SERVED_EVENTS.forEach((served, i) => {
    const leaf = built(buildLeaf(served));
    assert.equal(leaf.entry.length, ENTRY_LENGTHS[i]);
    assert.equal(leafHash(leaf.entry).toString('base64'), LEAF_HASHES[i]);
    assert.equal(leaf.leafIndex, i);
  });
});
