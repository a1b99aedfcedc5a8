/**
 * The verbs, written once for both faces: `http` returns Promise<Response>, `httpSync` returns
 * Response, and everything else about a call is the same.
 */
import type { RequestOptions } from './options.js';

export abstract class Face<R, S = unknown> {
  /** Sends one request (after redirects and retries, once those are configured) and returns its response. */
  abstract request(method: string, url: string | URL, options?: RequestOptions): R;

  /**
   * Sends one request and returns at the response head, with the body still to read, in pieces,
   * with backpressure: the pool worker holds at most a small window of unread data.
   */
  abstract stream(method: string, url: string | URL, options?: RequestOptions): S;

  get(url: string | URL, options?: RequestOptions): R {
    return this.request('GET', url, options);
  }
  head(url: string | URL, options?: RequestOptions): R {
    return this.request('HEAD', url, options);
  }
  post(url: string | URL, options?: RequestOptions): R {
    return this.request('POST', url, options);
  }
  put(url: string | URL, options?: RequestOptions): R {
    return this.request('PUT', url, options);
  }
  patch(url: string | URL, options?: RequestOptions): R {
    return this.request('PATCH', url, options);
  }
  delete(url: string | URL, options?: RequestOptions): R {
    return this.request('DELETE', url, options);
  }
  options(url: string | URL, options?: RequestOptions): R {
    return this.request('OPTIONS', url, options);
  }
}
