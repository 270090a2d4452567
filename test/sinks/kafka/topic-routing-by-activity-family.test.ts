import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TopicRouter, activityFamily } from '../../../src/sinks/kafka/topics';
import { ACTIVITY_TYPES } from '../../../src/catalogue';

test('the family is the first word of the activity type', () => {
  assert.equal(activityFamily('sso_login_succeeded'), 'sso');
  assert.equal(activityFamily('platform_api_key_created'), 'platform');
  assert.equal(activityFamily('compliance_api_accessed'), 'compliance');
  assert.equal(activityFamily('Weird-Type'), 'other', 'anything that is not a plain word goes to other');
  assert.equal(activityFamily(''), 'other');
});

test('listed families get their topic, everything else (new types included) goes to other', () => {
  const router = new TopicRouter('audit.{family}.v1', ['sso', 'org']);
  assert.equal(router.topicFor('sso_login_failed'), 'audit.sso.v1');
  assert.equal(router.topicFor('org_user_deleted'), 'audit.org.v1');
  assert.equal(router.topicFor('platform_api_key_created'), 'audit.other.v1');
  assert.equal(router.topicFor('brand_new_type_from_next_month'), 'audit.other.v1');
  assert.deepEqual(router.allTopics(), ['audit.sso.v1', 'audit.org.v1', 'audit.other.v1']);
});

test('every documented activity type routes to one of the topics the start-up check verifies', () => {
  const router = new TopicRouter('audit-{family}', ['claude', 'org', 'platform', 'sso']);
  const known = new Set(router.allTopics());
  for (const { type } of ACTIVITY_TYPES) assert.ok(known.has(router.topicFor(type)), type);
});

test('a fixed topic takes every activity', () => {
  const router = new TopicRouter('claude-audit');
  assert.equal(router.topicFor('sso_login_failed'), 'claude-audit');
  assert.deepEqual(router.allTopics(), ['claude-audit']);
});
