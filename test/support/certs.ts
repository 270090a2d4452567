import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Real certificates for TLS tests, made with the openssl CLI: a private CA, a server
 * certificate for the given hosts, and optionally a client certificate (mutual TLS) and a
 * second, untrusted CA (to prove verification fails closed).
 */
export interface Certificates {
  readonly dir: string;
  readonly caFile: string;
  readonly caKeyFile: string;
  readonly certFile: string;
  readonly keyFile: string;
  readonly clientCertFile?: string;
  readonly clientKeyFile?: string;
  /** A CA that signed nothing here: trusting only it must make verification fail. */
  readonly otherCaFile: string;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function makeCa(dir: string, name: string): { cert: string; key: string } {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.pem`);
  openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    dir,
  );
  return { cert, key };
}

function issue(
  dir: string,
  ca: { cert: string; key: string },
  name: string,
  cn: string,
  ext: string,
): { cert: string; key: string } {
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const cert = join(dir, `${name}.pem`);
  const extFile = join(dir, `${name}.ext`);
  writeFileSync(extFile, ext);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', csr, '-subj', `/CN=${cn}`], dir);
  openssl(
    [
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      ca.cert,
      '-CAkey',
      ca.key,
      '-CAcreateserial',
      '-out',
      cert,
      '-days',
      '2',
      '-extfile',
      extFile,
    ],
    dir,
  );
  return { cert, key };
}

export function makeCertificates(opts: {
  dir: string;
  hosts?: string[];
  clientCert?: boolean;
}): Certificates {
  const dir = opts.dir;
  mkdirSync(dir, { recursive: true });
  const hosts = opts.hosts ?? ['localhost', '127.0.0.1'];
  const san = hosts.map((h) => (/^[\d.]+$|:/.test(h) ? `IP:${h}` : `DNS:${h}`)).join(',');
  const ca = makeCa(dir, 'test-ca');
  const other = makeCa(dir, 'untrusted-ca');
  const server = issue(
    dir,
    ca,
    'server',
    hosts[0],
    `subjectAltName=${san}\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n`,
  );
  let client: { cert: string; key: string } | undefined;
  if (opts.clientCert) {
    client = issue(
      dir,
      ca,
      'client',
      'claude-audit-forwarder',
      'extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n',
    );
  }
  return {
    dir,
    caFile: ca.cert,
    caKeyFile: ca.key,
    certFile: server.cert,
    keyFile: server.key,
    clientCertFile: client?.cert,
    clientKeyFile: client?.key,
    otherCaFile: other.cert,
  };
}
