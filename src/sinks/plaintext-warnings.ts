import type { ForwarderConfig } from '../config/schema';
import type { Logger } from '../observability/logger';
import { plaintextWarning } from '../config/plaintext';
import { isLoopbackHost } from '../util/loopback';
import { sinkFactory } from './registry';

/**
 * One warning per plaintext path that leaves this machine, at every start: an opt-in made
 * once in a config file must stay visible in the logs for as long as it is in force.
 */
export function warnPlaintextPaths(config: ForwarderConfig, logger: Logger): number {
  let warned = 0;
  const source = new URL(config.source.base_url);
  if (source.protocol === 'http:' && !isLoopbackHost(source.hostname)) {
    logger.warn(
      'the Compliance API is read over plain http (allow_insecure_http: true): the API key and every activity cross the network in clear',
      {
        field: 'source.base_url',
        fix: 'use an https:// base_url',
      },
    );
    warned++;
  }
  for (const [name, sink] of Object.entries(config.sinks)) {
    const factory = sinkFactory(sink.type);
    const path = factory?.plaintext?.(sink);
    const warning = path && plaintextWarning(name, path);
    if (!warning) continue;
    logger.warn(warning.message, warning.meta);
    warned++;
  }
  return warned;
}
