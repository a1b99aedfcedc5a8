/**
 * TLS material checked where the call is made, before anything is sent: a certificate, key or cipher
 * list that OpenSSL refuses would otherwise fail inside the worker, at connect time, far from the
 * option that caused it. The check builds the secure context the worker's connect will build (about
 * 1 ms), once per distinct setting; only when that fails do the field checks run, to name the field.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import { InvalidArgumentError } from './errors.js';
import type { WireTLS } from './transport-key.js';

const reason = (error: unknown): string => (error instanceof Error ? error.message : String(error));

function refuse(field: string, what: string, error: unknown): never {
  throw new InvalidArgumentError(`tls.${field} ${what} (${reason(error)})`);
}

/** Throws InvalidArgumentError naming the field when `tls` cannot make a TLS connection. */
export function checkTLSMaterial(tls: WireTLS): void {
  const { ca, cert, key, ciphers, minVersion, maxVersion } = tls;
  try {
    createSecureContext({ ca, cert, key, ciphers, minVersion, maxVersion });
    return;
  } catch (error) {
    if (key !== undefined)
      try {
        createPrivateKey(key);
      } catch (keyError) {
        refuse('key', 'is not a usable PEM private key', keyError);
      }
    if (cert !== undefined)
      try {
        new X509Certificate(cert);
      } catch (certError) {
        refuse('cert', 'is not a PEM certificate', certError);
      }
    if (cert !== undefined && key !== undefined)
      try {
        createSecureContext({ cert, key });
      } catch (pairError) {
        refuse('cert and tls.key', 'do not belong together', pairError);
      }
    if (ciphers !== undefined)
      try {
        createSecureContext({ ciphers });
      } catch (cipherError) {
        refuse('ciphers', 'selects no usable cipher', cipherError);
      }
    throw new InvalidArgumentError(`tls options cannot make a TLS connection (${reason(error)})`);
  }
}
