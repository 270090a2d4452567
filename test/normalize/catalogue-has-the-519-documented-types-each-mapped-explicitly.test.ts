import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ACTIVITY_TYPES, CATALOGUE_SOURCE } from '../../src/catalogue';
import { resolveMapping } from '../../src/normalize';

/**
 * The catalogue follows the API reference of 2026-10-09 (519 types), and every type added
 * since the first catalogue (467 types, docs of 2026-08-22) has its own reviewed entry in the
 * mapping table instead of whatever its name's family happens to give.
 */

const ADDED_SINCE_2026_08_22: readonly string[] = [
  'admin_setup_checklist_step_delegated',
  'admin_setup_checklist_step_delegation_cancelled',
  'ccr_agent_proxy_anthropic_oidc_token_exchanged',
  'ccr_agent_proxy_anthropic_oidc_token_minted',
  'ccr_agent_proxy_rule_created',
  'ccr_agent_proxy_rule_updated',
  'ccr_channel_manager_added',
  'ccr_channel_manager_removed',
  'ccr_session_created',
  'ccr_session_deleted',
  'ccr_session_updated',
  'ccr_slack_channel_joined',
  'claude_artifact_commented',
  'claude_artifact_comments_viewed',
  'claude_artifact_duplicated',
  'claude_artifact_external_sharing_permission_updated',
  'claude_artifact_invite_accepted',
  'claude_artifact_invite_created',
  'claude_artifact_invite_revoked',
  'claude_artifact_invite_role_updated',
  'claude_code_security_scan_project_member_updated',
  'claude_code_security_vulnerability_deleted',
  'claude_enterprise_upgrade_credit_updated',
  'claude_plugin_archive_accessed',
  'claude_plugin_downloaded',
  'claude_plugin_security_scan_completed',
  'claude_skill_downloaded',
  'claude_skill_security_scan_completed',
  'github_app_installation_linked',
  'github_app_installation_unlinked',
  'gitlab_configuration_created',
  'gitlab_configuration_deleted',
  'gitlab_configuration_updated',
  'group_skill_shares_revoked',
  'inference_hooks_circuit_breaker_tripped',
  'org_chat_cowork_unified_disabled',
  'org_chat_cowork_unified_enabled',
  'org_cowork_browser_pane_disabled',
  'org_cowork_browser_pane_enabled',
  'org_cowork_remote_disabled',
  'org_cowork_remote_enabled',
  'org_sso_scim_welcome_email_toggled',
  'org_user_shares_retained',
  'platform_dream_archived',
  'platform_dream_cancelled',
  'platform_dream_created',
  'platform_federation_issuer_created',
  'platform_federation_rule_created',
  'platform_organization_created',
  'platform_service_account_created',
  'platform_skill_version_content_downloaded',
  'rbac_role_grant_updated',
];

const byType = new Map(ACTIVITY_TYPES.map((entry) => [entry.type, entry]));

describe('the catalogue and the mapping table follow the docs of 2026-10-09', () => {
  it('lists the 519 documented types once each, from the dated reference', () => {
    assert.equal(byType.size, ACTIVITY_TYPES.length, 'no type listed twice');
    assert.equal(ACTIVITY_TYPES.length, 519);
    assert.match(CATALOGUE_SOURCE, /2026-10-09/);
    assert.equal(ADDED_SINCE_2026_08_22.length, 52);
  });

  it('keeps the retired design_project_viewed: reads recorded while it was active still arrive', () => {
    const entry = byType.get('design_project_viewed');
    assert.ok(entry, 'design_project_viewed is in the catalogue');
    assert.match(entry.description ?? '', /retired/);
    assert.equal(resolveMapping('design_project_viewed').action, 'read');
  });

  it('marks the 54 types whose field list the docs left incomplete', () => {
    const incomplete = ACTIVITY_TYPES.filter((entry) => entry.fields_unknown === true);
    assert.equal(incomplete.length, 54);
    for (const entry of ACTIVITY_TYPES)
      assert.ok(entry.fields_unknown === undefined || entry.fields_unknown === true, entry.type);
  });

  it('gives every new type an explicit, reviewed entry in the mapping table', () => {
    const missing = ADDED_SINCE_2026_08_22.filter((type) => !byType.has(type));
    assert.deepEqual(missing, [], 'types missing from the catalogue');
    const unlisted = ADDED_SINCE_2026_08_22.filter(
      (type) => !resolveMapping(type).listed || !resolveMapping(type).inCatalogue,
    );
    assert.deepEqual(unlisted, [], 'types mapped only by family fallback');
  });

  it('still maps the two Access Transparency types by hand, outside the enum', () => {
    for (const type of ['anthropic_access', 'cmek_preserve']) {
      const m = resolveMapping(type);
      assert.equal(byType.has(type), false, `${type} is not in the enum`);
      assert.ok(m.listed, type);
      assert.equal(m.cls.uid, 6003, type);
      assert.equal(m.action, 'read', type);
      assert.equal(m.severityId, 3, type);
    }
  });
});
