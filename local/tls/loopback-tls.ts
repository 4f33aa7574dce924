import { readFileSync } from 'node:fs';
import * as path from 'node:path';

/** The self-signed certificate for `localhost` and `127.0.0.1` in this folder (see its README): loopback only. */
export const LOOPBACK_TLS_FILES = {
  cert: path.join(__dirname, 'localhost-cert.pem'),
  key: path.join(__dirname, 'localhost-key.pem'),
} as const;

/** The certificate and key, as `LocalSystem.start({ tls })` and a client's `ca` take them. */
export function loopbackTls(): { readonly cert: Buffer; readonly key: Buffer } {
  return { cert: readFileSync(LOOPBACK_TLS_FILES.cert), key: readFileSync(LOOPBACK_TLS_FILES.key) };
}
