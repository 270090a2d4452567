import { AuthError } from './errors';

/**
 * The one TLS error classifier: every sink and the API client name a certificate problem
 * the same way (which certificate, what is wrong, which field fixes it). A certificate
 * problem is a configuration matter: callers report it as such and never retry it as if
 * the network were down.
 */

export type TlsProblemKind =
  | 'untrusted'
  | 'self_signed'
  | 'expired'
  | 'not_yet_valid'
  | 'revoked'
  | 'wrong_name'
  | 'client_certificate_refused'
  | 'not_tls'
  | 'handshake_failed';

export interface TlsProblem {
  readonly kind: TlsProblemKind;
  /** Node's or OpenSSL's code, or the alert it was recognised by. */
  readonly code: string;
}

const BY_CODE: Readonly<Record<string, TlsProblemKind>> = {
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'untrusted',
  UNABLE_TO_GET_ISSUER_CERT: 'untrusted',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'untrusted',
  CERT_UNTRUSTED: 'untrusted',
  CERT_REJECTED: 'untrusted',
  CERT_SIGNATURE_FAILURE: 'untrusted',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self_signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'self_signed',
  CERT_HAS_EXPIRED: 'expired',
  CERT_NOT_YET_VALID: 'not_yet_valid',
  CERT_REVOKED: 'revoked',
  ERR_TLS_CERT_ALTNAME_INVALID: 'wrong_name',
  ERR_SSL_WRONG_VERSION_NUMBER: 'not_tls',
  ERR_SSL_UNKNOWN_PROTOCOL: 'not_tls',
  ERR_SSL_PACKET_LENGTH_TOO_LONG: 'not_tls',
};

/** Alerts a server sends when it wants, or refuses, our client certificate (as codes or text). */
const CLIENT_CERT_REFUSED =
  /CERTIFICATE_REQUIRED|BAD_CERTIFICATE|TLSV1_ALERT_UNKNOWN_CA|CERTIFICATE_UNKNOWN|TLSV1_ALERT_ACCESS_DENIED|alert (bad certificate|certificate required|unknown ca|certificate unknown)|SSL alert number (42|46|48|116)/i;

/** The errors a failure wraps (axios, kafkajs and Node nest them differently). */
function chainOf(err: unknown): { code?: string; message: string }[] {
  const out: { code?: string; message: string }[] = [];
  let e: unknown = err;
  for (let depth = 0; depth < 6 && e !== null && typeof e === 'object'; depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    out.push({
      code: typeof code === 'string' ? code : undefined,
      message: typeof message === 'string' ? message : '',
    });
    const next = e as { cause?: unknown; originalError?: unknown };
    e = next.cause ?? next.originalError;
  }
  return out;
}

/** The certificate or protocol problem behind `err`, or undefined when it is not one. */
export function classifyTlsError(err: unknown): TlsProblem | undefined {
  const chain = chainOf(err);
  for (const { code } of chain) {
    const kind = code ? BY_CODE[code] : undefined;
    if (code && kind) return { kind, code };
  }
  for (const { code, message } of chain) {
    if (code?.startsWith('ERR_SSL_') && CLIENT_CERT_REFUSED.test(code))
      return { kind: 'client_certificate_refused', code };
    const alert = CLIENT_CERT_REFUSED.exec(message);
    if (alert) return { kind: 'client_certificate_refused', code: code ?? alert[0] };
    if (code === 'EPROTO' && /wrong version number|unknown protocol/i.test(message))
      return { kind: 'not_tls', code };
  }
  const ssl = chain.find((e) => e.code?.startsWith('ERR_SSL_'))?.code;
  return ssl ? { kind: 'handshake_failed', code: ssl } : undefined;
}

const WHAT: Readonly<Record<TlsProblemKind, string>> = {
  untrusted: 'its certificate is signed by a CA this process does not trust',
  self_signed: 'its certificate is self-signed, or its chain ends in a CA this process does not trust',
  expired: 'its certificate has expired',
  not_yet_valid: 'its certificate is not valid yet (check the clocks)',
  revoked: 'its certificate is revoked',
  wrong_name: 'its certificate does not name the host it was reached by',
  client_certificate_refused: 'it refused our client certificate, or wanted one',
  not_tls: 'it does not speak TLS on this port',
  handshake_failed: 'the TLS handshake failed (protocol versions, ciphers, or a client certificate it wants)',
};

/**
 * One sentence for an operator: `peer` names the certificate's owner ("Splunk HEC at
 * https://…"), `tlsField` the config section that fixes it ("sinks.splunk.tls"), `plainText`
 * how this peer is reached without TLS ("with an http:// endpoint").
 */
export function describeTlsProblem(
  problem: TlsProblem,
  peer: string,
  tlsField: string,
  plainText = `without ${tlsField}`,
): string {
  const fix: Record<TlsProblemKind, string> = {
    untrusted: `set ${tlsField}.ca_file to the CA that signed it`,
    self_signed: `set ${tlsField}.ca_file to that certificate or the CA that signed it`,
    expired: `renew it on the server (or set ${tlsField}.ca_file if the wrong chain is trusted)`,
    not_yet_valid: `fix the clock here or on the server, or set ${tlsField}.ca_file to the current CA`,
    revoked: 'install a new certificate on the server',
    wrong_name: `connect by a name the certificate carries, or set ${tlsField}.server_name to one`,
    client_certificate_refused: `set ${tlsField}.cert_file and ${tlsField}.key_file to a certificate it trusts`,
    handshake_failed: `check ${tlsField}.min_version, and set ${tlsField}.cert_file and ${tlsField}.key_file if it wants a client certificate`,
    not_tls: `use its TLS port, or reach it ${plainText} if it serves plain text there`,
  };
  return `TLS with ${peer}: ${WHAT[problem.kind]} [${problem.code}]; ${fix[problem.kind]}`;
}

/** A certificate problem, named plainly: retried slowly like refused credentials, never as a network fault. */
export class TlsCertificateError extends AuthError {
  constructor(
    message: string,
    readonly problem: TlsProblem,
  ) {
    super(message);
  }
}
