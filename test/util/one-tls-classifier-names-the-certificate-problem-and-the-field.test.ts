import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyTlsError, describeTlsProblem, type TlsProblemKind } from '../../src/util/tls-errors';

/**
 * Issue #16: three copies of the TLS error list differed (CERT_REVOKED in one, CERT_SIGNATURE_FAILURE
 * in another, alerts recognised by text in a third). One classifier now, wherever the code
 * sits in the chain (axios, kafkajs and Node nest errors differently); network faults are not
 * certificate problems.
 */
const coded = (code: string, message = code): Error => Object.assign(new Error(message), { code });

test('every certificate code has one kind, wherever it sits in the error chain', () => {
  const cases: [string, TlsProblemKind][] = [
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'untrusted'],
    ['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'untrusted'],
    ['CERT_SIGNATURE_FAILURE', 'untrusted'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'self_signed'],
    ['SELF_SIGNED_CERT_IN_CHAIN', 'self_signed'],
    ['CERT_HAS_EXPIRED', 'expired'],
    ['CERT_NOT_YET_VALID', 'not_yet_valid'],
    ['CERT_REVOKED', 'revoked'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'wrong_name'],
    ['ERR_SSL_WRONG_VERSION_NUMBER', 'not_tls'],
    ['ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'client_certificate_refused'],
    ['ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE', 'client_certificate_refused'],
    ['ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE', 'handshake_failed'],
  ];
  for (const [code, kind] of cases) {
    assert.deepEqual(classifyTlsError(coded(code)), { kind, code }, code);
    const wrapped = Object.assign(new Error('Request failed'), { cause: coded(code) });
    assert.equal(classifyTlsError(wrapped)?.kind, kind, `${code} under cause`);
    const kafkajs = Object.assign(new Error('Connection error'), { originalError: coded(code) });
    assert.equal(classifyTlsError(kafkajs)?.kind, kind, `${code} under originalError`);
  }
});

test('a client-certificate alert is recognised by its text when no code says it', () => {
  assert.equal(
    classifyTlsError(
      new Error(
        'write EPROTO ...:SSL routines:ssl3_read_bytes:tlsv13 alert certificate required:...SSL alert number 116',
      ),
    )?.kind,
    'client_certificate_refused',
  );
  assert.equal(
    classifyTlsError(coded('EPROTO', 'write EPROTO ...:SSL routines:...:wrong version number'))?.kind,
    'not_tls',
  );
});

test('network faults are not certificate problems', () => {
  for (const code of ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN'])
    assert.equal(classifyTlsError(coded(code)), undefined, code);
  assert.equal(classifyTlsError('a string'), undefined);
});

test('the description names the peer, what is wrong, the code and the field that fixes it', () => {
  const text = describeTlsProblem(
    { kind: 'untrusted', code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' },
    'Splunk HEC at https://s:8088 (sinks.s.endpoint)',
    'sinks.s.tls',
  );
  assert.equal(
    text,
    'TLS with Splunk HEC at https://s:8088 (sinks.s.endpoint): its certificate is signed by a CA this process does not trust [UNABLE_TO_VERIFY_LEAF_SIGNATURE]; set sinks.s.tls.ca_file to the CA that signed it',
  );
  assert.match(
    describeTlsProblem({ kind: 'wrong_name', code: 'ERR_TLS_CERT_ALTNAME_INVALID' }, 'x', 'source.tls'),
    /set source\.tls\.server_name/,
  );
  assert.match(
    describeTlsProblem({ kind: 'not_tls', code: 'EPROTO' }, 'x', 'sinks.k.tls'),
    /reach it without sinks\.k\.tls/,
  );
});
