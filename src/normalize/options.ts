/** Choices that change normalized output. Every field is optional; the defaults suit most SIEMs. */
export interface NormalizeOptions {
  /**
   * Carry the activity as received: OCSF `raw_data`, ECS `event.original`. Off by default:
   * it roughly doubles the event size, and `unmapped` / `anthropic.audit` already keep every
   * field.
   */
  readonly includeRawData?: boolean;
  /** The activity's JSON as received, when the caller has it (saves serializing it again). */
  readonly raw?: string;
  /** Clock (epoch ms) for ECS `event.created` and for a missing or unreadable `created_at`. */
  readonly now?: () => number;
}
