import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { makeCertificates, type Certificates } from './certs';
import { tempDir } from './forwarder';

/** An https server (certificates from certs.ts) passing every request to a plain-http one, as the real API sits behind TLS. */
export interface TlsFront {
  readonly url: string;
  readonly certs: Certificates;
  close(): Promise<void>;
}

export async function startTlsFront(target: string): Promise<TlsFront> {
  const certs = makeCertificates({ dir: tempDir('caf-tls-front-') });
  const server = https.createServer(
    { cert: readFileSync(certs.certFile), key: readFileSync(certs.keyFile) },
    (req, res) => {
      const out = http.request(
        new URL(req.url ?? '/', target),
        { method: req.method, headers: req.headers },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      out.on('error', () => res.destroy());
      req.pipe(out);
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    certs,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
