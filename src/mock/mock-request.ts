/**
 * A request as a mock pool sees it: what interceptors match, what handlers receive and what
 * `calls` lists. Plain data taken from the prepared request, with the body already in hand.
 */
import { Headers } from '../core/headers.js';
import type { PreparedRequest } from '../core/options.js';

const decoder = new TextDecoder();

/** A request as a mock pool saw it: what interceptors match, handlers receive and `calls` lists. */
export class MockRequest {
  /** the HTTP method, upper case */
  readonly method: string;
  /** the whole URL, query included */
  readonly url: string;
  /** scheme://host:port (the port only when not the scheme's default) */
  readonly origin: string;
  /** the path without the query */
  readonly pathname: string;
  /** the path with the query, as sent on the wire */
  readonly path: string;
  /** the query parameters */
  readonly query: URLSearchParams;
  /** the headers onepool would send (User-Agent, Accept, Accept-Encoding, cookies and credentials included) */
  readonly headers: Headers;
  /**
   * The request body: bytes, a streamed body read to its end, or a file's content. Null without a
   * body, and for multipart bodies (the worker builds those; a mock does not see them).
   */
  readonly body: Uint8Array | null;

  /** @internal made by the mock pool for each exchange */
  constructor(request: PreparedRequest, body: Uint8Array | null) {
    this.method = request.method;
    this.url = request.url.href;
    this.origin = request.url.origin;
    this.pathname = request.url.pathname;
    this.path = request.url.pathname + request.url.search;
    this.query = new URLSearchParams(request.url.search);
    this.headers = new Headers(request.headers);
    this.body = body;
  }

  /** The body as UTF-8 text ('' without a body). */
  text(): string {
    return this.body ? decoder.decode(this.body) : '';
  }

  /** The body parsed as JSON; throws SyntaxError when it is not JSON. */
  json(): unknown {
    return JSON.parse(this.text());
  }
}
