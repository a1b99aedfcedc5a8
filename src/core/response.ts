/**
 * The Response model, the same class on both faces. The body has been read in full before a
 * Response exists, so every accessor is synchronous on both faces.
 */
import { charsetOf, decodeText, decodeUTF8 } from './charset.js';
import { HTTPStatusError, JSONDecodeError } from './errors.js';
import { Headers } from './headers.js';
import type { WireConnection, WireResponse } from './protocol.js';
import { type Timings, timingsFromWire } from './timings.js';

// Above this many characters a position V8 does not report is not searched for (each probe parses a prefix).
const SEARCH_LIMIT = 1024 * 1024;

/** Whether parsing `prefix` fails before its end (rather than running out of input). */
function failsInside(prefix: string): boolean {
  try {
    JSON.parse(prefix);
    return false;
  } catch (error) {
    const message = (error as Error).message;
    if (message.startsWith('Unexpected end of JSON input')) return false;
    const at = /at position (\d+)/.exec(message);
    return at === null || Number(at[1]) < prefix.length;
  }
}

/**
 * Where parsing `text` failed, in UTF-16 code units. V8 says for most errors; for an unexpected
 * token ("<html>", "status 200") it names the character only, so the shortest prefix that already
 * fails is found by bisection: its last character is the culprit.
 */
function errorPosition(text: string, error: SyntaxError): number | undefined {
  if (error.message.startsWith('Unexpected end of JSON input')) return text.length;
  const at = /at position (\d+)/.exec(error.message);
  if (at) return Number(at[1]);
  if (text.length > SEARCH_LIMIT) return undefined;
  let low = 1;
  let high = text.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (failsInside(text.slice(0, mid))) high = mid;
    else low = mid + 1;
  }
  return failsInside(text.slice(0, low)) ? low - 1 : undefined;
}

/** The body parsed as JSON, or JSONDecodeError (the parser's SyntaxError as its cause). */
export function parseJSON<T>(text: string, url: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    const position = errorPosition(text, error);
    const where = position === undefined ? '' : ` at position ${position}`;
    throw new JSONDecodeError(`the body of ${url} is not JSON${where}: ${error.message}`, {
      cause: error,
      text,
      position,
    });
  }
}

/** Which connection carried an exchange: the evidence of connection reuse. */
export interface ConnectionInfo {
  /** process-wide connection number */
  readonly id: number;
  /** true when an earlier exchange had used this connection */
  readonly reused: boolean;
  /** The connection's protocol: HTTP/1.1 or HTTP/2. */
  readonly protocol: 'h1' | 'h2';
}

const NO_HISTORY: readonly Response[] = Object.freeze([]);

/** A complete response, body read: what `request()` and the verbs return, on both faces. */
export class Response {
  /** The HTTP status code. */
  readonly status: number;
  /** The reason phrase on HTTP/1.1 (empty on HTTP/2, which has none). */
  readonly statusText: string;
  /** The response headers (names case-insensitive). */
  readonly headers: Headers;
  /** The URL that produced this response. */
  readonly url: string;
  /** The HTTP version the response came with. */
  readonly httpVersion: '1.1' | '2';
  /** The connection that carried the final exchange. */
  readonly connection: ConnectionInfo;
  /** The redirect responses that led here, oldest first (empty without redirects). */
  readonly history: readonly Response[];
  /** How many retries the call made before this response (stale-connection retries included). */
  readonly retries: number;
  /**
   * How long the phases of the final exchange took, measured in the pool worker (got's phases; see
   * {@link Timings}). A redirect or a retry is an exchange of its own: see `history[i].timings`.
   */
  readonly timings: Timings;
  readonly #body: Uint8Array;

  constructor(
    wire: Omit<WireResponse, 't' | 'id'>,
    url: string,
    history: readonly Response[] = NO_HISTORY,
    retries = 0,
  ) {
    this.status = wire.status;
    this.statusText = wire.statusText;
    this.headers = new Headers(wire.headers);
    this.url = url;
    this.httpVersion = wire.httpVersion;
    this.connection = Object.freeze({ ...(wire.connection as WireConnection) });
    this.timings = timingsFromWire(wire.timings, this.connection.reused);
    this.#body = wire.body;
    // Most responses have no history: they share one frozen empty list.
    this.history = history.length === 0 ? NO_HISTORY : Object.freeze([...history]);
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

  /**
   * The body parsed as JSON, read as UTF-8 whatever the charset (as fetch does); throws
   * JSONDecodeError when it is not JSON.
   */
  json<T = unknown>(): T {
    return parseJSON<T>(decodeUTF8(this.#body), this.url);
  }

  /** Throws HTTPStatusError for 4xx and 5xx; returns this response otherwise. */
  raiseForStatus(): this {
    if (this.status >= 400) throw new HTTPStatusError(this);
    return this;
  }
}
