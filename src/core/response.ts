/**
 * The Response model, the same class on both faces. The body has been read in full before a
 * Response exists, so every accessor is synchronous on both faces.
 */
import { charsetOf, decodeText, decodeUTF8 } from './charset.js';
import { HTTPStatusError } from './errors.js';
import { Headers } from './headers.js';
import type { WireConnection, WireResponse } from './protocol.js';

export interface ConnectionInfo {
  /** process-wide connection number */
  readonly id: number;
  /** true when an earlier exchange had used this connection */
  readonly reused: boolean;
  readonly protocol: 'h1' | 'h2';
}

export class Response {
  readonly status: number;
  readonly statusText: string;
  readonly headers: Headers;
  /** The URL that produced this response. */
  readonly url: string;
  readonly httpVersion: '1.1' | '2';
  readonly connection: ConnectionInfo;
  /** The redirect responses that led here, oldest first (empty without redirects). */
  readonly history: readonly Response[];
  /** How many retries the call made before this response (stale-connection retries included). */
  readonly retries: number;
  readonly #body: Uint8Array;

  constructor(
    wire: Omit<WireResponse, 't' | 'id'>,
    url: string,
    history: readonly Response[] = [],
    retries = 0,
  ) {
    this.status = wire.status;
    this.statusText = wire.statusText;
    this.headers = new Headers(wire.headers);
    this.url = url;
    this.httpVersion = wire.httpVersion;
    this.connection = Object.freeze({ ...(wire.connection as WireConnection) });
    this.#body = wire.body;
    this.history = Object.freeze([...history]);
    this.retries = retries;
  }

  /** true for 2xx */
  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  /** The body bytes (the same buffer on every call; copy it before mutating). */
  bytes(): Uint8Array {
    return this.#body;
  }

  /**
   * The body decoded with the Content-Type charset (WHATWG labels; a BOM overrides it), UTF-8
   * when there is none or the label is unknown. Invalid sequences become U+FFFD.
   */
  text(): string {
    return decodeText(this.#body, charsetOf(this.headers.get('content-type')));
  }

  /** The body parsed as JSON, read as UTF-8 whatever the charset (as fetch does); throws SyntaxError when it is not JSON. */
  json<T = unknown>(): T {
    return JSON.parse(decodeUTF8(this.#body)) as T;
  }

  /** Throws HTTPStatusError for 4xx and 5xx; returns this response otherwise. */
  raiseForStatus(): this {
    if (this.status >= 400) throw new HTTPStatusError(this);
    return this;
  }
}
