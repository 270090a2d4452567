/** The end-to-end test log of spec/access-transparency.md §8.5. */
export const TEST_ORG_UUID = '25f6429a-3293-49bf-afed-cb312911554b';
export const TEST_ORIGIN = `axt.anthropic.com/${TEST_ORG_UUID}`;

export const SERVED_EVENTS = [
  '{"id":"activity_01GPXmAhizavrUuoXNn3tzeA","type":"anthropic_access","created_at":"2025-07-08T18:40:00Z","accessed_at":"2025-07-08T18:39:58Z","organization_id":"org_015gtSHLz269eTwgrH8NX5yk","organization_uuid":"25f6429a-3293-49bf-afed-cb312911554b","workspace_id":"wrkspc_01PaGUP2rbg1XDh7Z9W1CEpd","workspace_uuid":"b6ce2143-1083-d4a7-247c-17530f55a076","accessor_department":"Trust & Safety","reason_code":"safety_review","actor":{"type":"anthropic_actor","email_address":null},"resource_details":{"type":"message","id":"msg_01HXAMPLE12345678"},"transparency_log_leaf_index":0}',
  '{"id":"activity_01SimPreserve0000000000001","type":"cmek_preserve","created_at":"2026-07-02T09:41:53.204118Z","accessed_at":"2026-07-02T09:41:50.120Z","organization_id":"org_015gtSHLz269eTwgrH8NX5yk","organization_uuid":"25f6429a-3293-49bf-afed-cb312911554b","accessor_department":"Safeguards","reason_code":"policy_violation_investigation","actor":{"type":"anthropic_actor","email_address":null},"resource_details":{"type":"message","id":"msg_01SimMessage000000000001"},"transparency_log_leaf_index":1}',
  '{"id":"activity_01SimAccess00000000000002","type":"anthropic_access","created_at":"2026-07-03T10:00:00.000001Z","accessed_at":"2026-07-01T16:20:00.123456789Z","organization_id":"org_015gtSHLz269eTwgrH8NX5yk","organization_uuid":"25f6429a-3293-49bf-afed-cb312911554b","workspace_id":"wrkspc_01SimWorkspace000000001","workspace_uuid":"00000000-1111-2222-3333-444444444444","accessor_department":"Safeguards","reason_code":"incident_response","actor":{"type":"anthropic_actor","email_address":null},"transparency_log_leaf_index":2}',
  '{"id":"activity_01SimAccess00000000000003","type":"anthropic_access","created_at":"2026-07-06T08:15:30Z","accessed_at":"2026-07-06T08:15:29.500Z","organization_id":"org_015gtSHLz269eTwgrH8NX5yk","organization_uuid":"25f6429a-3293-49bf-afed-cb312911554b","workspace_id":null,"accessor_department":"Sûreté \\"T&S\\"","reason_code":"safety_review","actor":{"type":"anthropic_actor","email_address":null},"resource_details":{"type":"message","id":"msg_01SimMessage000000000003"},"transparency_log_leaf_index":3}',
  '{"id":"activity_01SimPreserve0000000000004","type":"cmek_preserve","created_at":"2026-07-06T08:20:00.250000Z","accessed_at":"2026-07-06T08:19:58Z","organization_id":"org_015gtSHLz269eTwgrH8NX5yk","organization_uuid":"25f6429a-3293-49bf-afed-cb312911554b","workspace_id":null,"accessor_department":"Safeguards","reason_code":"csae_report","actor":{"type":"anthropic_actor","email_address":null},"resource_details":{"type":"message","id":"msg_01SimMessage000000000003"},"transparency_log_leaf_index":4}',
] as const;

export const LEAF_HASHES = [
  '6ro7vTcFq+sYDZiiGvZaFetUIoMSLig3DGDrCKK1HFU=',
  'H/BUYmG9PalYXAXBgaOvdRFSwPWBMMZi6ZZXXgAXeBI=',
  'K0m3SSkIzFvDA2Q5Qc5loYQY2c3/Ibqgs82SLXbEY6o=',
  'YGfo3NdDnQsQHDGn+Tp4IaUWXrmzOVNOZvNv3dpW0ys=',
  'o4V4uyOjCqDZrZueX1ufaGpbxWK3A165RYHHB05ge4M=',
] as const;
export const ENTRY_LENGTHS = [505, 506, 465, 490, 483] as const;

export const ROOTS = [
  '6ro7vTcFq+sYDZiiGvZaFetUIoMSLig3DGDrCKK1HFU=',
  '21uR7RTHxpif30nuyxauEixpgyYyFV5bpuThZCJO+lU=',
  'B0MWLN7LMcLVsgMj+z3QsLxY28SkN5qzHsIAlRbyG3M=',
  'K3A65u7y65qTV6EDnArYofarWlAr84OKj6nWNhdgD7Y=',
  'oQS/uP450iuG5z1M1rvpVwzkXNW8JrN/rdcwiu5g8CI=',
] as const;

const H = {
  d2to4: '6e38LrDXL76S7lXJ6m/No9m4JYiJn0T9AJMupZ+t2VM=',
};
export const INCLUSION_AT_5: readonly (readonly string[])[] = [
  [LEAF_HASHES[1], H.d2to4, LEAF_HASHES[4]],
  [LEAF_HASHES[0], H.d2to4, LEAF_HASHES[4]],
  [LEAF_HASHES[3], ROOTS[1], LEAF_HASHES[4]],
  [LEAF_HASHES[2], ROOTS[1], LEAF_HASHES[4]],
  [ROOTS[3]],
];

/** [from, to, hashes]. */
export const CONSISTENCY: readonly (readonly [number, number, readonly string[]])[] = [
  [1, 5, [LEAF_HASHES[1], H.d2to4, LEAF_HASHES[4]]],
  [2, 5, [H.d2to4, LEAF_HASHES[4]]],
  [3, 5, [LEAF_HASHES[2], LEAF_HASHES[3], ROOTS[1], LEAF_HASHES[4]]],
  [4, 5, [LEAF_HASHES[4]]],
  [5, 5, []],
  [2, 3, [LEAF_HASHES[2]]],
];

export const NOTE_3 =
  'axt.anthropic.com/25f6429a-3293-49bf-afed-cb312911554b\n3\nB0MWLN7LMcLVsgMj+z3QsLxY28SkN5qzHsIAlRbyG3M=\n\n\u2014 axt.anthropic.com/25f6429a-3293-49bf-afed-cb312911554b rhesUTBFAiAWwsBShb1djANAbWxSDnB7xGh6RrLv9N9qpHmQPexxCAIhAOKxsUHS7qHuvyNFPl7/TfBA+gzNyJfTHLFj0UiJK/eH\n';
export const NOTE_5 =
  'axt.anthropic.com/25f6429a-3293-49bf-afed-cb312911554b\n5\noQS/uP450iuG5z1M1rvpVwzkXNW8JrN/rdcwiu5g8CI=\n\n\u2014 axt.anthropic.com/25f6429a-3293-49bf-afed-cb312911554b rhesUTBEAiA9q9IKDOVajDN0ePytnG/CzV479TS0X97aOTw0Q4YorAIgIa0bS0DHHNM6bRMH0adPLaQxSDRZuhYq6/kRLPGMFKU=\n';

export const TILE_0_P5 =
  '6ro7vTcFq+sYDZiiGvZaFetUIoMSLig3DGDrCKK1HFUf8FRiYb09qVhcBcGBo691EVLA9YEwxmLplldeABd4EitJt0kpCMxbwwNkOUHOZaGEGNnN/yG6oLPNki12xGOqYGfo3NdDnQsQHDGn+Tp4IaUWXrmzOVNOZvNv3dpW0yujhXi7I6MKoNmtm55fW59oalvFYrcDXrlFgccHTmB7gw==';
export const TILE_0_P5_SHA256 = '8031d85410c1a6d58345230bac29d48937f6eea768ad90f103f8fed35b19fe0f';
export const BUNDLE_0_P5_SHA256 = 'bbf718b746fa3209125e2d4b32e3f2b818c0d648004b755a011dc1cd77bacfe4';
