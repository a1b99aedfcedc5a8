/**
 * A server that refuses the client certificate (mutual TLS) does so after the client's side of the
 * TLS 1.3 handshake is over: OpenSSL sends an alert (no certificate: "certificate required"), and a
 * Node server with rejectUnauthorized closes the socket without one (a certificate it does not
 * trust). Either way the client's fresh connection ends before a single response byte, which undici
 * reports as "other side closed" and HTTP/2 as a session that never sent its SETTINGS. Watching a
 * new TLS connection for that end turns it into the TLS failure it is, with the alert when there
 * was one.
 */
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { poolError } from './pool-error.js';

// e.g. ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED, ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE
const ALERT = /^ERR_SSL_(?:SSLV3|TLSV1|TLSV13)_ALERT_(\w+)$/;

const refusals = new WeakMap<Socket, Error>();

/** Watches a TLS connection to the origin until its end; a no-op for plain sockets. */
export function watchTLSRefusal(socket: Socket, sentCertificate: boolean): void {
  if (!(socket as TLSSocket).encrypted) return;
  let alert: NodeJS.ErrnoException | undefined;
  socket.on('error', (error: NodeJS.ErrnoException) => {
    if (socket.bytesRead > 0) return;
    // The server's close can come as a reset: the request it never read was still in its buffer.
    const isAlert = ALERT.test(error.code ?? '');
    if (!isAlert && !(error.code === 'ECONNRESET' && sentCertificate)) return;
    if (isAlert) alert ??= error;
    const refused = refusal(alert, sentCertificate);
    refusals.set(socket, refused);
    // Runs before the HTTP layer's listener: error-map.ts reports a cause's code over the error's.
    if (error.cause === undefined) error.cause = refused;
  });
  // Registered before the HTTP layer's own 'end' listener, so the socket is destroyed with this
  // error before undici destroys it with "other side closed".
  socket.once('end', () => {
    // Without an alert, only a certificate the client sent can have been refused: a bare close
    // after a handshake without one is some other hang-up (h2.ts says what of).
    if (socket.bytesRead > 0 || (!alert && !sentCertificate)) return;
    const error = refusal(alert, sentCertificate);
    refusals.set(socket, error);
    socket.destroy(error);
  });
}

/** The refusal `socket` met, if it met one: what to report instead of its own error. */
export function tlsRefusal(socket: Socket): Error | undefined {
  return refusals.get(socket);
}

function refusal(alert: NodeJS.ErrnoException | undefined, sentCertificate: boolean): Error {
  const name = alert && ALERT.exec(alert.code!)![1]!.toLowerCase().replaceAll('_', ' ');
  const number = alert && /alert number (\d+)/.exec(alert.message)?.[1];
  const what = alert
    ? `the server refused the TLS connection with alert ${number ? `${number} ` : ''}(${name})`
    : 'the server closed the TLS connection right after the handshake, before any response byte';
  const hint = !sentCertificate
    ? 'it wants a client certificate: set tls.cert and tls.key'
    : alert && name !== 'certificate required'
      ? 'it did not accept the client certificate (tls.cert)'
      : 'a server that does not accept the client certificate (tls.cert) does this, e.g. one signed by a CA it does not trust';
  return poolError('ONEPOOL_ERR_TLS', `${what}: ${hint}`);
}
