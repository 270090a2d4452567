/**
 * Topic routing. A topic is either fixed (`claude-audit`) or a template with `{family}`
 * (`claude-audit-{family}`).
 *
 * The family of an activity is the first word of its type: `sso_login_succeeded` → `sso`,
 * `platform_api_key_created` → `platform`, `claude_chat_created` → `claude`, `org_user_deleted`
 * → `org`. Only the families the user lists in `topic_families` get their own topic; every
 * other activity (including types and families that appear in the feed later) goes to the
 * `other` topic. The set of topics is therefore closed and known before the first event, so
 * the start-up check can verify every one of them exists — no event ever waits on a topic
 * nobody created.
 */
export const FAMILY_PLACEHOLDER = '{family}';
export const OTHER_FAMILY = 'other';

/** Kafka's rule for topic names (kafka.common.Topic): at most 249 of [a-zA-Z0-9._-], not "." or "..". */
const LEGAL_TOPIC = /^[a-zA-Z0-9._-]{1,249}$/;

export function isLegalTopic(name: string): boolean {
  return LEGAL_TOPIC.test(name) && name !== '.' && name !== '..';
}

/** Why `template` is not a usable topic or template, or undefined when it is. */
export function checkTopicTemplate(template: string): string | undefined {
  const placeholders = template.match(/\{[^}]*\}/g) ?? [];
  const unknown = placeholders.filter((p) => p !== FAMILY_PLACEHOLDER);
  if (unknown.length)
    return `unknown placeholder ${unknown.join(', ')}: the only one is ${FAMILY_PLACEHOLDER}`;
  // The longest family a user could list is checked when the topics are expanded; here the
  // literal parts must already be legal.
  const literal = template.split(FAMILY_PLACEHOLDER).join(OTHER_FAMILY);
  if (!isLegalTopic(literal)) {
    return `"${template}" is not a legal Kafka topic name: use up to 249 letters, digits, ".", "_" and "-"`;
  }
  return undefined;
}

/** The first word of an activity type, lowercased, or `other` when it has none usable. */
export function activityFamily(activityType: string): string {
  const first = activityType.split('_', 1)[0].toLowerCase();
  return /^[a-z0-9]+$/.test(first) ? first : OTHER_FAMILY;
}

/** Maps activity types to topics; built once from the config. */
export class TopicRouter {
  private readonly families: ReadonlySet<string>;
  private readonly templated: boolean;

  constructor(
    private readonly template: string,
    families: readonly string[] = [],
  ) {
    this.templated = template.includes(FAMILY_PLACEHOLDER);
    this.families = new Set(families);
  }

  topicFor(activityType: string): string {
    if (!this.templated) return this.template;
    const family = activityFamily(activityType);
    return this.expand(this.families.has(family) ? family : OTHER_FAMILY);
  }

  /** Every topic this router can return: what the start-up check verifies. */
  allTopics(): string[] {
    if (!this.templated) return [this.template];
    return [...[...this.families].map((f) => this.expand(f)), this.expand(OTHER_FAMILY)];
  }

  private expand(family: string): string {
    return this.template.split(FAMILY_PLACEHOLDER).join(family);
  }
}
