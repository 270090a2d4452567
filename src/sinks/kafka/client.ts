import { PermanentError, RetryableError } from '../../util/errors';
import type { KafkaMessage } from './encode';

/**
 * What the Kafka sink needs from a Kafka client library. Only kafkajs-client.ts knows
 * kafkajs; swapping the library means writing another implementation of this interface.
 *
 * `produce` throws the shared error classes (util/errors) plus the two below:
 * - RetryableError: broker down, leader moving, timeouts, not enough replicas.
 * - AuthError: SASL refused, ACLs deny the write (retried slowly, never dropped).
 * - RecordsRefusedError: the broker refused the data of this request (too large, invalid);
 *   the request may have held several records, so the caller narrows it down.
 * - ProducerStateError: the idempotent producer is out of step with the broker; a new
 *   producer session must replace it before retrying.
 */
export class RecordsRefusedError extends PermanentError {}

export class ProducerStateError extends RetryableError {}

export interface TopicCheck {
  /** Topics that do not exist (or that this user may not describe). */
  readonly missing: readonly string[];
  /** The broker's auto.create.topics.enable, when it could be read. */
  readonly autoCreate?: boolean;
  /** Why the setting above could not be read. */
  readonly autoCreateUnknownBecause?: string;
}

export interface KafkaClient {
  /**
   * Connects to the cluster (TLS, SASL, producer id). Throws an Error whose message says
   * what is wrong in words an operator can act on.
   */
  connect(): Promise<void>;
  /** Which of `topics` are missing, and whether the broker would create them. */
  checkTopics(topics: readonly string[]): Promise<TopicCheck>;
  /** Resolves once the broker acknowledged every message (with the configured acks). */
  produce(messages: readonly KafkaMessage[]): Promise<void>;
  /** Replaces the producer session (new producer id); used after a ProducerStateError. */
  resetProducer(): Promise<void>;
  close(): Promise<void>;
}
