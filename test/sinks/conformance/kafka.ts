import { KAFKA_INSTALL_HINT, readTopics, startKafkaBroker } from '../../support/kafka-broker';
import { freePort } from '../../support/ports';
import { startOrSkip } from '../../support/servers';
import { FAST_RETRY, type Harness } from './harness';

const TOPIC = 'conformance';
/** The topic's max.message.bytes: a record over it is refused by the broker for good. */
const MAX_MESSAGE_BYTES = 20_000;

/** A real single-node Kafka broker: stopped while broken, started again on the same ports and data. */
export const kafkaHarness: Harness = {
  type: 'kafka',
  async setUp() {
    const broker = await startOrSkip('Kafka broker', KAFKA_INSTALL_HINT, () => startKafkaBroker());
    if (!broker) return undefined;
    await broker.createTopic(TOPIC, {
      partitions: 1,
      config: { 'max.message.bytes': String(MAX_MESSAGE_BYTES) },
    });
    const closed = await freePort();
    return {
      config: {
        type: 'kafka',
        brokers: [broker.plaintext],
        topic: TOPIC,
        format: 'raw',
        connection_timeout: '2s',
        request_timeout: '5s',
        retry: FAST_RETRY,
        batch: { max_events: 20, timeout: '20ms' },
      },
      async received() {
        return (await readTopics(broker.plaintext, [TOPIC])).map((m) => m.key);
      },
      async breakTransiently() {
        await broker.stop();
      },
      async recover() {
        await broker.start();
      },
      refusal: {
        by: 'destination',
        make: (a) => ({ ...a, padding: 'x'.repeat(MAX_MESSAGE_BYTES * 2) }),
        reason: /^kafka refused the record: .*/,
      },
      brokenConfig: {
        type: 'kafka',
        brokers: [`127.0.0.1:${closed}`],
        topic: TOPIC,
        connection_timeout: '1s',
      },
      async dispose() {
        await broker.destroy();
      },
    };
  },
};
