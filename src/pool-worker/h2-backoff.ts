/**
 * Back-off for an HTTP/2 origin whose connections close before the server's first SETTINGS: h2c
 * prior knowledge sent to an HTTP/1.1-only port, or a TLS server that picks h2 by ALPN and hangs
 * up. Reconnecting at once would open thousands of connections a second until the connect timeout,
 * so the exchanges waiting on such a connection fail with a ConnectError saying what happened, and
 * for a while after it (doubling with each such close in a row, reset by a SETTINGS) new exchanges
 * of the key fail with the same error without a connection being opened.
 */
import type { TransportConfig } from '../core/transport-key.js';
import { poolError } from './pool-error.js';

const FIRST_MS = 1_000;
const MAX_MS = 10_000;

export class SettingsBackoff {
  #closes = 0;
  #until = 0;
  #reason = '';

  /** The error of a connection that closed before SETTINGS; starts (or doubles) the back-off. */
  closedBeforeSettings(url: URL, transport: TransportConfig | undefined, detail: string | undefined): Error {
    this.#closes++;
    this.#until = Date.now() + Math.min(FIRST_MS * 2 ** (this.#closes - 1), MAX_MS);
    const why =
      transport?.http2 !== 'prior-knowledge'
        ? 'though it chose h2 by ALPN'
        : url.protocol === 'http:'
          ? "it may not speak h2c (http2: 'prior-knowledge'); an HTTP/1.1-only server needs http2: false"
          : "it may not speak HTTP/2 without negotiation (http2: 'prior-knowledge')";
    this.#reason = `the server closed the connection before HTTP/2 SETTINGS: ${why}${detail ? ` (${detail})` : ''}`;
    return poolError('ONEPOOL_ERR_CONNECT', this.#reason);
  }

  /** The error for an exchange that may not open a connection yet, or undefined when it may. */
  blocked(): Error | undefined {
    const left = this.#until - Date.now();
    if (left <= 0) return undefined;
    return poolError('ONEPOOL_ERR_CONNECT', `${this.#reason}; no new connection for another ${left} ms`);
  }

  /** The server sent SETTINGS: it speaks HTTP/2 after all. */
  settled(): void {
    this.#closes = 0;
    this.#until = 0;
  }
}
