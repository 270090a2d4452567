import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type SimulatorHandle, startSimulator } from '../../src/simulator';
import { type Reply, activities, errorOf, get } from './helpers';

/**
 * Error responses as spec/compliance-api.md describes them: status, `error.type`, message,
 * `{"type":"error",…,"request_id"}` body, `request-id` header, `x-should-retry: false` on 4xx.
 */
function assertError(reply: Reply, status: number, type: string, message?: RegExp | string): void {
  assert.equal(reply.status, status, reply.text);
  const body = errorOf(reply);
  assert.equal(body.type, 'error');
  assert.equal(body.error.type, type);
  if (typeof message === 'string') assert.equal(body.error.message, message);
  else if (message) assert.match(body.error.message, message);
  assert.equal(reply.headers.get('content-type'), 'application/json');
  if (body.request_id !== null) {
    assert.match(body.request_id, /^req_01/);
    assert.equal(reply.headers.get('request-id'), body.request_id);
  }
  if (status >= 400 && status < 500 && status !== 429)
    assert.equal(reply.headers.get('x-should-retry'), 'false');
}

describe('request validation', () => {
  let sim: SimulatorHandle;
  before(async () => {
    sim = await startSimulator({
      seed: 5,
      backlog: 50,
      rateLimit: false,
      keys: [
        'sk-ant-api01-good',
        { key: 'sk-ant-api01-no-scope', scopes: ['read:usage'] },
        'sk-ant-admin01-admin',
        'sk-ant-api01-to-revoke',
      ],
    });
  });
  after(() => sim.close());

  it('answers a valid request with 200 and a request-id', async () => {
    const r = await activities(sim, { limit: 3, order: 'asc' });
    assert.equal(r.status, 200);
    assert.match(r.headers.get('request-id') ?? '', /^req_01/);
    assert.equal(r.headers.get('x-should-retry'), null);
  });

  it('accepts admin keys', async () => {
    assert.equal((await activities(sim, {}, 'sk-ant-admin01-admin')).status, 200);
  });

  it('refuses a missing key (401 by default) and an unknown key with request_id null and no header', async () => {
    assertError(await activities(sim, {}, null), 401, 'authentication_error');
    const unknown = await activities(sim, {}, 'sk-ant-api01-nobody');
    assertError(unknown, 401, 'authentication_error', 'invalid x-api-key');
    assert.equal(errorOf(unknown).request_id, null);
    assert.equal(unknown.headers.get('request-id'), null);
    assert.equal(
      unknown.headers.get('anthropic-ratelimit-requests-limit'),
      null,
      'no rate headers without authentication',
    );
  });

  it('refuses a key revoked mid-run with 401, and takes it back when restored', async () => {
    assert.equal((await activities(sim, {}, 'sk-ant-api01-to-revoke')).status, 200);
    sim.revokeKey('sk-ant-api01-to-revoke');
    const revoked = await activities(sim, {}, 'sk-ant-api01-to-revoke');
    assertError(revoked, 401, 'authentication_error', /revoked/);
    assert.match(errorOf(revoked).request_id ?? '', /^req_01/);
    sim.restoreKey('sk-ant-api01-to-revoke');
    assert.equal((await activities(sim, {}, 'sk-ant-api01-to-revoke')).status, 200);
  });

  it('refuses a key without the scope with 403 naming what it had and what it needs', async () => {
    assertError(
      await activities(sim, {}, 'sk-ant-api01-no-scope'),
      403,
      'permission_error',
      "Missing required scopes. Got: [read:usage] Needed one of: ['read:compliance_activities', 'read:org_audit']",
    );
  });

  it('can answer a missing key with 404, as observed live', async () => {
    const live = await startSimulator({ missingKeyStatus: 404, rateLimit: false });
    try {
      assertError(await activities(live, {}, null), 404, 'not_found_error');
    } finally {
      await live.close();
    }
  });

  it('rejects unknown query parameters, including list parameters without []', async () => {
    assertError(
      await activities(sim, { foo: 'bar' }),
      400,
      'invalid_request_error',
      /Unknown query parameter: `foo`/,
    );
    assertError(
      await activities(sim, { activity_types: 'claude_chat_created' }),
      400,
      'invalid_request_error',
      /`activity_types`/,
    );
    assertError(await activities(sim, { page: 2 }), 400, 'invalid_request_error');
  });

  it('rejects unknown activity types', async () => {
    assertError(
      await activities(sim, { 'activity_types[]': ['claude_chat_created', 'not_a_type'] }),
      400,
      'invalid_request_error',
      /not_a_type/,
    );
    assertError(
      await activities(sim, { 'exclude_activity_types[]': ['nope'] }),
      400,
      'invalid_request_error',
      /nope/,
    );
  });

  it('rejects activity_types[] combined with exclude_activity_types[]', async () => {
    assertError(
      await activities(sim, {
        'activity_types[]': ['claude_chat_created'],
        'exclude_activity_types[]': ['claude_chat_viewed'],
      }),
      400,
      'invalid_request_error',
      /cannot be combined/,
    );
  });

  it('rejects after_id combined with before_id', async () => {
    const ids = sim.allIds();
    assertError(
      await activities(sim, { after_id: ids[0], before_id: ids[1] }),
      400,
      'invalid_request_error',
      /`after_id` and `before_id`/,
    );
  });

  it('rejects limits outside 1–5000 and non-integers', async () => {
    for (const limit of ['0', '5001', '-1', '1.5', 'ten', ''])
      assertError(await activities(sim, { limit }), 400, 'invalid_request_error', /limit/);
    assert.equal((await activities(sim, { limit: 1 })).status, 200);
    assert.equal((await activities(sim, { limit: 5000 })).status, 200);
  });

  it('rejects an order other than asc or desc', async () => {
    assertError(await activities(sim, { order: 'newest' }), 400, 'invalid_request_error', /order/);
    assertError(await activities(sim, { order: 'DESC' }), 400, 'invalid_request_error', /order/);
  });

  it('rejects actor ids that are not user ids', async () => {
    assertError(
      await activities(sim, { 'actor_ids[]': ['apikey_01abc'] }),
      400,
      'invalid_request_error',
      /user/,
    );
    assertError(
      await activities(sim, { 'user_ids[]': ['someone@example.com'] }),
      400,
      'invalid_request_error',
      /user/,
    );
  });

  it('answers 403 for an organization outside the tenant and 400 for something that is no org id', async () => {
    assertError(
      await activities(sim, { 'organization_ids[]': ['org_01SomeoneElse00000000000'] }),
      403,
      'permission_error',
      /org_01SomeoneElse/,
    );
    assertError(
      await activities(sim, { 'organization_ids[]': ['12345678-1234-4234-8234-123456789012'] }),
      403,
      'permission_error',
    );
    assertError(await activities(sim, { 'organization_ids[]': ['acme'] }), 400, 'invalid_request_error');
    assert.equal(
      (
        await activities(sim, {
          'organization_ids[]': [sim.tenant.organizationId, sim.tenant.organizationUuid],
        })
      ).status,
      200,
    );
  });

  it('rejects created_at bounds that are not RFC 3339, and accepts a missing offset unless strict', async () => {
    assertError(
      await activities(sim, { 'created_at.gte': 'yesterday' }),
      400,
      'invalid_request_error',
      /created_at\.gte/,
    );
    assertError(
      await activities(sim, { 'created_at.lt': '2026-13-45T00:00:00Z' }),
      400,
      'invalid_request_error',
      /created_at\.lt/,
    );
    assert.equal(
      (await activities(sim, { 'created_at.gte': '2026-05-01T00:00:00' })).status,
      200,
      'live accepts a timestamp without offset',
    );
    const strict = await startSimulator({ strictTimestamps: true, rateLimit: false });
    try {
      assertError(
        await activities(strict, { 'created_at.gte': '2026-05-01T00:00:00' }),
        400,
        'invalid_request_error',
      );
      assert.equal((await activities(strict, { 'created_at.gte': '2026-05-01T00:00:00+02:00' })).status, 200);
    } finally {
      await strict.close();
    }
  });

  it('rejects a scalar parameter given twice', async () => {
    assertError(await activities(sim, { limit: ['5', '6'] }), 400, 'invalid_request_error', /limit/);
  });

  it('answers unknown paths and methods with 404 not_found_error', async () => {
    assertError(await get(sim, '/v1/compliance/nothing'), 404, 'not_found_error');
    const res = await fetch(`${sim.url}/v1/compliance/activities`, {
      method: 'POST',
      headers: { 'x-api-key': sim.apiKey },
    });
    assert.equal(res.status, 404);
    assert.equal(((await res.json()) as { error: { type: string } }).error.type, 'not_found_error');
  });

  it('serves /healthz without a key', async () => {
    const r = await get(sim, '/healthz', null);
    assert.equal(r.status, 200);
    assert.equal((r.json as { status: string }).status, 'ok');
  });
});
