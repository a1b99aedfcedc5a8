/**
 * The verbs, written once for both faces: `http` returns Promise<Response>, `httpSync` returns
 * Response, and everything else about a call is the same. A face is frozen configuration: its
 * defaults never change once built; `extend` makes a new face.
 */
import type { CookieJar } from 'tough-cookie';
import { digestCredentials } from './auth.js';
import { isJar, resolveJar } from './cookies.js';
import { DIGEST_SESSIONS, DigestSessions, type WithDigestSessions } from './digest.js';
import { validateHooks } from './hooks.js';
import { mergeOptions } from './merge-options.js';
import { checkRequestOptions } from './option-keys.js';
import type { RequestOptions } from './options.js';
import { type Call, type Policy, prepareCall, streamPolicy } from './policy.js';
import type { StreamHead } from './streaming.js';

/**
 * Defaults as a face keeps them: `cookies: true` becomes the face's own jar (so `client.sync` and
 * `client.async`, built from these defaults, share it), Digest `auth` gets the face's memory of
 * challenges (shared the same way), nested objects copied and frozen.
 */
function freezeDefaults(defaults: RequestOptions): Readonly<RequestOptions> {
  checkRequestOptions(defaults);
  const out: RequestOptions & WithDigestSessions = { ...defaults };
  if (out.cookies === true) out.cookies = resolveJar(true) as CookieJar;
  // Kept when present (a partner face, `extend()`), as the jar is: one client, one memory of challenges.
  if (digestCredentials(out.auth) && out[DIGEST_SESSIONS] === undefined)
    out[DIGEST_SESSIONS] = new DigestSessions();
  if (out.hooks !== undefined) {
    const hooks = validateHooks(out.hooks);
    out.hooks = Object.freeze(
      Object.fromEntries(
        Object.entries(hooks).flatMap(([name, list]) => (list ? [[name, Object.freeze([...list])]] : [])),
      ),
    );
  }
  for (const key of ['headers', 'params', 'timeout', 'retry', 'auth', 'tls'] as const) {
    const value = out[key];
    if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype)
      (out as Record<string, unknown>)[key] = Object.freeze({ ...value });
  }
  return Object.freeze(out);
}

export abstract class Face<R, S = unknown> {
  /** This face's defaults, applied under every call's own options. Frozen. */
  readonly defaults: Readonly<RequestOptions>;

  constructor(defaults: RequestOptions = {}) {
    this.defaults = freezeDefaults(defaults);
  }

  /** This face's cookie jar (shared with its other face), or null when it keeps no cookies. */
  get cookies(): CookieJar | null {
    return isJar(this.defaults.cookies) ? this.defaults.cookies : null;
  }

  /** One call, resolved, ready for this face's driver. */
  protected call(method: string, url: string | URL, options?: RequestOptions): Call {
    // Checked before the merge: merging hooks keeps only the names it knows.
    checkRequestOptions(options);
    return prepareCall(method, url, mergeOptions(this.defaults, options));
  }

  /** The same for a `stream()` call: it ends at the final response's head. */
  protected streamPolicy(method: string, url: string | URL, options?: RequestOptions): Policy<StreamHead> {
    checkRequestOptions(options);
    return streamPolicy(method, url, mergeOptions(this.defaults, options));
  }

  /**
   * Sends one request, following redirects and retrying as configured, and returns the final
   * response. Throws a RequestError subclass when no response could be had, an InvalidRequestError
   * when nothing was sent, HTTPStatusError for 4xx/5xx with throwHttpErrors, or what a hook threw.
   */
  abstract request(method: string, url: string | URL, options?: RequestOptions): R;

  /**
   * Sends one request through the same policy as request() (redirects, retries, cookies, hooks,
   * timeout.total) and returns at the final response's head, with the body still to read, in
   * pieces, with backpressure: the pool worker holds at most a small window of unread data.
   */
  abstract stream(method: string, url: string | URL, options?: RequestOptions): S;

  /** request() with GET. */
  get(url: string | URL, options?: RequestOptions): R {
    return this.request('GET', url, options);
  }
  /** request() with HEAD: the response has headers and no body. */
  head(url: string | URL, options?: RequestOptions): R {
    return this.request('HEAD', url, options);
  }
  /** request() with POST; give the body as `json`, `form`, `multipart` or `body`. */
  post(url: string | URL, options?: RequestOptions): R {
    return this.request('POST', url, options);
  }
  /** request() with PUT. */
  put(url: string | URL, options?: RequestOptions): R {
    return this.request('PUT', url, options);
  }
  /** request() with PATCH. */
  patch(url: string | URL, options?: RequestOptions): R {
    return this.request('PATCH', url, options);
  }
  /** request() with DELETE. */
  delete(url: string | URL, options?: RequestOptions): R {
    return this.request('DELETE', url, options);
  }
  /** request() with OPTIONS. */
  options(url: string | URL, options?: RequestOptions): R {
    return this.request('OPTIONS', url, options);
  }
}
