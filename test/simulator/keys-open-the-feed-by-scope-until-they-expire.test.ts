import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startSimulator } from '../../src/simulator';
import { activities, errorOf } from './helpers';

/**
 * spec/compliance-api.md "Endpoint and auth" and "Errors" (Sep 2026): a key with the read-only
 * umbrella scope `read:org_audit` reads the Activity Feed; a key with neither feed scope gets
 * 403 `permission_error` in the "Needed one of" wording; Console Admin keys carry an expiry
 * and, once past it, are refused like any invalid key (401).
 */
describe('API keys', () => {
  it('accept a key whose only scope is read:org_audit', async () => {
    const sim = await startSimulator({
      keys: [{ key: 'sk-ant-api01-audit', scopes: ['read:org_audit'] }],
      rateLimit: false,
    });
    try {
      assert.equal((await activities(sim, { limit: 1 })).status, 200);
    } finally {
      await sim.close();
    }
  });

  it('answer a key with neither feed scope with 403 "Needed one of"', async () => {
    const sim = await startSimulator({
      keys: [{ key: 'sk-ant-api01-users', scopes: ['read:compliance_user_data'] }],
      rateLimit: false,
    });
    try {
      const reply = await activities(sim);
      assert.equal(reply.status, 403);
      assert.equal(errorOf(reply).error.type, 'permission_error');
      assert.match(
        errorOf(reply).error.message,
        /Needed one of: \['read:compliance_activities', 'read:org_audit'\]$/,
      );
      assert.equal(reply.headers.get('x-should-retry'), 'false');
    } finally {
      await sim.close();
    }
  });

  it('refuse an Admin key after its expiry with 401, like an unknown key', async () => {
    let now = Date.parse('2026-10-05T09:00:00Z');
    const admin = 'sk-ant-admin01-expiring';
    const sim = await startSimulator({
      keys: [{ key: admin, expiresAt: '2026-10-05T10:00:00Z' }, 'sk-ant-admin01-forever'],
      rateLimit: false,
      clock: () => now,
    });
    try {
      assert.equal((await activities(sim, {}, admin)).status, 200);
      now = Date.parse('2026-10-05T09:59:59.999Z');
      assert.equal((await activities(sim, {}, admin)).status, 200);
      now = Date.parse('2026-10-05T10:00:00Z');
      const expired = await activities(sim, {}, admin);
      assert.equal(expired.status, 401);
      assert.equal(errorOf(expired).error.type, 'authentication_error');
      const unknown = await activities(sim, {}, 'sk-ant-admin01-never-issued');
      assert.deepEqual(errorOf(expired), errorOf(unknown));
      assert.equal(expired.headers.get('request-id'), null);
      assert.equal(
        (await activities(sim, {}, 'sk-ant-admin01-forever')).status,
        200,
        'keys without an expiry go on working',
      );
    } finally {
      await sim.close();
    }
  });
});
