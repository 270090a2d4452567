import { ProxyRefusedError } from '../../http/tunnel-agent';
import { AuthError, RetryableError, errorMessage } from '../../util/errors';
import { TlsCertificateError } from '../../util/tls-errors';

/**
 * Entra ID refused the sink's credential, or Azure refused its token (401/403), or a
 * setting people must fix. An AuthError: retried at max_backoff, readiness red at once,
 * nothing dead-lettered (the events wait behind the checkpoint until it is fixed).
 */
export class SentinelRefusedError extends AuthError {}

/** Entra ID's answer without trace ids and timestamps: "AADSTS7000215: Invalid client secret provided." */
function entraDetail(err: unknown): string {
  const message = errorMessage(err);
  const aadsts = /AADSTS\d+:[^.\n]*\.?/.exec(message);
  return (aadsts ? aadsts[0] : message.split(/ Trace ID:|\r?\n/)[0]).slice(0, 300);
}

/**
 * What a failed token request means: Entra ID refusing the credential (fix the config:
 * slow retry, red readiness), or Entra ID / the network being unavailable (normal retry).
 */
export function classifyTokenFailure(err: unknown, transportFailure: unknown, fieldPath: string): Error {
  if (transportFailure instanceof TlsCertificateError || transportFailure instanceof ProxyRefusedError)
    return new SentinelRefusedError(transportFailure.message);
  if (transportFailure instanceof RetryableError)
    return new RetryableError(`cannot get a token from Microsoft Entra ID: ${transportFailure.message}`);
  // By name: the library's ESM and CommonJS builds each have their own class, and this
  // module must not load the library (see index.ts).
  const status =
    (err as { name?: unknown }).name === 'AuthenticationError'
      ? (err as { statusCode?: unknown }).statusCode
      : undefined;
  if (typeof status === 'number' && (status >= 500 || status === 429))
    return new RetryableError(`Microsoft Entra ID is unavailable (HTTP ${status}): ${entraDetail(err)}`);
  return new SentinelRefusedError(
    `Microsoft Entra ID refused the credential${typeof status === 'number' ? ` (HTTP ${status})` : ''}: ${entraDetail(err)}; check ${fieldPath}.tenant_id, client_id and the secret, certificate, federated token or managed identity`,
  );
}
