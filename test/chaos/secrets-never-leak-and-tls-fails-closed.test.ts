import { test } from 'node:test';
import { security } from '../../chaos/scenarios/security';
import { runReduced } from './support/run-scenario';

// The API key, HEC token and SASL password appear in nothing a run produces (logs at debug,
// metrics, health, dead-letter, checkpoint, CLI output, events) even while refused; TLS to
// HEC, syslog and Kafka fails closed against an untrusted CA unless verify: false; data
// files are 0600 under umask 0; http:// is refused for a remote API URL.
test('secrets never leak, TLS fails closed, files are owner-only, remote http is refused', async (t) => {
  await runReduced(t, security);
});
