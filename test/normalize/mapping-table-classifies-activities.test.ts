import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ACTIVITY_TYPES } from '../../src/catalogue';
import { knownMappings, resolveMapping, toEcs, toOcsf } from '../../src/normalize';
import { OCSF_CLASSES } from '../../src/normalize/ocsf/schema';
import { makeActivity } from '../../src/simulator/generate';

const classOf = (type: string) => resolveMapping(type).cls.uid;

describe('the mapping table', () => {
  it('puts the issue’s examples in the suggested classes', () => {
    const expected: Record<number, string[]> = {
      3002: [
        'sso_login_succeeded',
        'sso_login_failed',
        'magic_link_login_succeeded',
        'social_login_succeeded',
        'user_logged_out',
        'session_revoked',
        'step_up_authentication_failed',
      ],
      3001: [
        'org_user_deleted',
        'org_user_invite_sent',
        'scim_user_created',
        'scim_user_deleted',
        'scim_user_updated',
        'account_deleted',
      ],
      3005: [
        'claude_user_role_updated',
        'rbac_role_assigned',
        'rbac_role_unassigned',
        'platform_workspace_member_updated',
        'role_assignment_granted',
      ],
      3006: [
        'group_created',
        'group_deleted',
        'group_member_added',
        'group_member_removed',
        'platform_workspace_member_added',
      ],
      3004: [
        'platform_api_key_created',
        'admin_api_key_deleted',
        'platform_workspace_created',
        'claude_organization_settings_updated',
        'claude_github_integration_created',
        'mcp_server_created',
        'claude_project_created',
        'org_sso_connection_deactivated',
      ],
      6001: [
        'claude_file_uploaded',
        'claude_project_document_viewed',
        'claude_artifact_published',
        'platform_file_deleted',
        'claude_chat_viewed',
      ],
      6003: ['compliance_api_accessed', 'org_users_listed', 'an_activity_type_from_next_year'],
    };
    for (const [uid, types] of Object.entries(expected)) {
      for (const type of types) assert.equal(classOf(type), Number(uid), type);
    }
  });

  it('chooses the activity from the verb of the type name', () => {
    const cases: [string, number, string][] = [
      ['platform_api_key_created', 1, 'Create'],
      ['claude_project_viewed', 2, 'Read'],
      ['mcp_server_updated', 3, 'Update'],
      ['admin_api_key_deleted', 4, 'Delete'],
      ['claude_skill_enabled', 8, 'Enable'],
      ['claude_skill_disabled', 9, 'Disable'],
      ['org_sso_connection_activated', 10, 'Activate'],
      ['service_key_revoked', 11, 'Deactivate'],
      ['platform_agent_deployment_paused', 12, 'Suspend'],
      ['platform_agent_deployment_unpaused', 13, 'Resume'],
      ['sso_login_succeeded', 1, 'Logon'],
      ['user_logged_out', 2, 'Logoff'],
      ['magic_link_login_initiated', 6, 'Preauth'],
      ['group_member_added', 3, 'Add User'],
      ['group_member_removed', 4, 'Remove User'],
      ['group_created', 6, 'Create'],
      ['rbac_role_unassigned', 2, 'Revoke Privileges'],
      ['claude_file_exported', 7, 'Export'],
      ['claude_artifact_published', 8, 'Share'],
      ['trusted_device_enrolled', 10, 'MFA Factor Enable'],
      ['trusted_device_revoked', 11, 'MFA Factor Disable'],
      ['scim_user_updated', 99, 'Update'],
      ['compliance_api_accessed', 2, 'Read'],
      ['mcp_server_managed_auth_token_exchanged', 4, 'Service Ticket Request'],
      ['ccr_agent_proxy_anthropic_oidc_token_minted', 3, 'Authentication Ticket'],
    ];
    for (const [type, activityId, name] of cases) {
      const m = resolveMapping(type);
      assert.equal(m.activityId, activityId, type);
      assert.equal(m.activityName, name, type);
    }
  });

  it('gives every catalogue type a class by family or listing — none falls through to the default by accident', () => {
    const unclaimed = knownMappings().filter((m) => m.inCatalogue && m.family === undefined && !m.listed);
    assert.deepEqual(
      unclaimed.map((m) => m.type),
      [],
    );
    assert.equal(knownMappings().filter((m) => m.inCatalogue).length, ACTIVITY_TYPES.length);
  });

  it('only uses activity ids and captions the class defines, and type_uid = class × 100 + activity', () => {
    for (const m of knownMappings()) {
      const cls = OCSF_CLASSES[m.cls.key];
      if (m.activityId !== 99) assert.equal(cls.activities[m.activityId], m.activityName, m.type);
      assert.equal(m.typeUid, cls.uid * 100 + m.activityId, m.type);
      assert.ok(m.ecsCategory.length > 0 && m.ecsType.length > 0, m.type);
    }
  });

  it('never reports a container as created or deleted when only a part of it was', () => {
    const m = resolveMapping('platform_workspace_rate_limit_deleted');
    assert.equal(m.subject, 'workspace');
    assert.equal(m.activityName, 'Update');
    const event = toOcsf(
      makeActivity({ type: 'platform_workspace_rate_limit_deleted', actorType: 'user_actor', seed: 1 }),
    );
    assert.equal((event.entity as Record<string, unknown>).type, 'workspace');
    assert.equal(event.activity_id, 3);
    for (const mapping of knownMappings()) {
      if (
        mapping.cls.key === 'entity_management' &&
        mapping.subjectId === 'workspace_id' &&
        mapping.subject === 'workspace'
      ) {
        assert.ok(
          !mapping.type.startsWith('platform_workspace_') ||
            ['Create', 'Update', 'Read', 'Deactivate', 'Enable', 'Disable'].includes(mapping.activityName),
          mapping.type,
        );
      }
    }
  });

  it('reads the outcome the activity reports: status codes, outcome fields, decisions', () => {
    const outcome = (type: string, fields: Record<string, unknown>) => {
      const activity = makeActivity({ type, actorType: 'user_actor', seed: 2, fields });
      return [toOcsf(activity).status, (toEcs(activity).event as Record<string, unknown>).outcome];
    };
    assert.deepEqual(outcome('compliance_api_accessed', { status_code: 200 }), ['Success', 'success']);
    assert.deepEqual(outcome('compliance_api_accessed', { status_code: 429 }), ['Failure', 'failure']);
    assert.deepEqual(outcome('mcp_server_managed_auth_token_exchanged', { outcome: 'failure' }), [
      'Failure',
      'failure',
    ]);
    assert.deepEqual(outcome('platform_federated_authentication', { status: { outcome: 'success' } }), [
      'Success',
      'success',
    ]);
    assert.deepEqual(outcome('org_external_key_validated', { validation_result: 'failure' }), [
      'Failure',
      'failure',
    ]);
    assert.deepEqual(outcome('github_token_import', { result: 'rejected_feature_disabled' }), [
      'Failure',
      'failure',
    ]);
    assert.deepEqual(outcome('abuse_decision_received', { decision: 'blocked' }), ['Failure', 'failure']);
    assert.deepEqual(outcome('abuse_decision_received', { decision: 'unspecified' }), ['Unknown', 'unknown']);
    assert.deepEqual(outcome('claude_chat_access_failed', {}), ['Failure', 'failure']);
    assert.deepEqual(outcome('magic_link_login_initiated', {}), ['Unknown', 'unknown']);
  });

  it('raises failures to at least Low severity and keeps listed severities', () => {
    const sev = (type: string, fields: Record<string, unknown> = {}) =>
      toOcsf(makeActivity({ type, actorType: 'user_actor', seed: 3, fields })).severity_id;
    assert.equal(sev('claude_chat_viewed'), 1);
    assert.equal(sev('compliance_api_accessed', { status_code: 403 }), 2);
    assert.equal(sev('org_ip_restriction_deleted'), 3);
    assert.equal(sev('admin_api_key_created'), 3);
  });

  it('names the entity from the activity’s own id and name fields', () => {
    const event = toOcsf(
      makeActivity({
        type: 'mcp_server_created',
        actorType: 'user_actor',
        seed: 4,
        fields: { mcp_server_id: 'mcpsrv_1', mcp_server_name: 'Jira' },
      }),
    );
    assert.deepEqual(event.entity, { uid: 'mcpsrv_1', name: 'Jira', type: 'mcp_server' });
    const setting = toOcsf(
      makeActivity({ type: 'org_cowork_auto_mode_enabled', actorType: 'user_actor', seed: 4 }),
    );
    assert.deepEqual(
      setting.entity,
      { name: 'cowork_auto_mode', type: 'cowork_auto_mode' },
      'a setting with no id is named by its type',
    );
    const group = toOcsf(
      makeActivity({
        type: 'group_member_added',
        actorType: 'scim_directory_sync_actor',
        seed: 4,
        fields: { group_id: 'grp_1', member_ids: ['user_9'] },
      }),
    );
    assert.equal((group.group as Record<string, unknown>).uid, 'grp_1');
    assert.deepEqual(group.user, { uid: 'user_9' });
  });

  it('resolves a type once: the same mapping object on every call', () => {
    assert.equal(resolveMapping('claude_chat_created'), resolveMapping('claude_chat_created'));
    assert.equal(resolveMapping('never_seen_before_type'), resolveMapping('never_seen_before_type'));
  });
});

describe('types the catalogue does not know', () => {
  it('find their subject in the event’s own fields, but never call a container deleted', () => {
    const base = makeActivity({ type: 'platform_workspace_created', actorType: 'user_actor', seed: 1 });
    const own = toOcsf({ ...base, type: 'mcp_gateway_created', gateway_id: 'gw_1', gateway_name: 'edge' });
    assert.deepEqual(own.entity, { uid: 'gw_1', name: 'edge', type: 'mcp_gateway' });
    const part = toOcsf({ ...base, type: 'platform_workspace_quota_deleted', workspace_id: 'wrkspc_9' });
    assert.equal(part.activity_name, 'Delete');
    assert.deepEqual(
      part.entity,
      { name: 'workspace_quota', type: 'workspace_quota' },
      'not "workspace wrkspc_9 deleted"',
    );
    const read = toOcsf({ ...base, type: 'platform_workspace_quota_viewed', workspace_id: 'wrkspc_9' });
    assert.deepEqual(read.entity, { uid: 'wrkspc_9', type: 'workspace' });
  });
});
