/**
 * Redirect decisions: whether a response is a redirect to follow, and the request for the next hop.
 * Credentials never cross an origin: Authorization, Cookie (given as a header), Proxy-Authorization
 * and Host are dropped as soon as scheme, host or port differ from the hop that carried them, and
 * stay dropped for the rest of the chain (https→http is a change of origin too).
 */
import { RedirectError, TooManyRedirectsError } from './errors.js';
import { hostnameProblem } from './hostname.js';
import type { PreparedRequest } from './options.js';
import type { Response } from './response.js';

export const DEFAULT_MAX_REDIRECTS = 20;

const REDIRECTS: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

/**
 * Whether a response's body is one its call drops unread: a redirect it follows (`follows`: its
 * maxRedirects is above 0). Such a body is read off the connection (so the connection stays usable)
 * but neither decoded nor delivered, so a 302 whose body is not what its Content-Encoding says cannot
 * fail the chain. Asked by the worker (decode.ts) and by mock pools, which must answer alike.
 */
export function dropsRedirectBody(follows: boolean, status: number, headers: readonly string[]): boolean {
  if (!follows || !REDIRECTS.has(status)) return false;
  for (let i = 0; i < headers.length; i += 2) if (headers[i]!.toLowerCase() === 'location') return true;
  return false;
}
const CREDENTIALS = new Set(['authorization', 'cookie', 'proxy-authorization', 'host']);
const BODY_HEADERS = new Set(['content-length', 'content-type', 'content-encoding', 'content-language']);

/** A copy of a flat header list without the names in `drop` (lower case). */
export function withoutHeaders(headers: readonly string[], drop: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (let i = 0; i < headers.length; i += 2)
    if (!drop.has(headers[i]!.toLowerCase())) out.push(headers[i]!, headers[i + 1]!);
  return out;
}

/**
 * The request for the next hop after `response`, or null when the response is final (not a
 * redirect, no Location, or redirects disabled with maxRedirects 0). Throws TooManyRedirectsError
 * past `maxRedirects`, RedirectError for a Location that is not http(s) or a body that cannot be
 * sent again on 307/308.
 */
export function nextHop(
  request: PreparedRequest,
  response: Response,
  history: readonly Response[],
  maxRedirects: number,
): PreparedRequest | null {
  if (!REDIRECTS.has(response.status) || maxRedirects === 0) return null;
  const location = response.headers.get('location');
  if (location === null) return null;
  const info = { method: request.method, url: request.url.href };
  if (history.length >= maxRedirects) {
    const error = new TooManyRedirectsError(`more than ${maxRedirects} redirects, the last to ${location}`);
    error.request = info;
    error.history = [...history, response];
    throw error;
  }
  let url: URL;
  try {
    url = new URL(location, request.url);
  } catch {
    throw Object.assign(new RedirectError(`invalid redirect Location: ${JSON.stringify(location)}`), {
      request: info,
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw Object.assign(new RedirectError(`refused a redirect to ${url.protocol} (http: and https: only)`), {
      request: info,
    });
  }
  const problem = hostnameProblem(url.hostname);
  if (problem !== undefined)
    throw Object.assign(
      new RedirectError(`invalid redirect Location ${JSON.stringify(location)}: ${problem}`),
      {
        request: info,
      },
    );
  // RFC 9110 §10.2.2: a Location without a fragment inherits the one of the URL it redirects from.
  // Fragments never reach the wire (the request line is path and query); they only shape `res.url`.
  if (url.hash === '' && !location.includes('#')) url.hash = request.url.hash;
  url.username = '';
  url.password = '';
  let { method, body, upload, replayable, headers } = request;
  if (response.status <= 303) {
    if (method !== 'HEAD') method = 'GET';
    body = null;
    upload = null;
    replayable = true;
    headers = withoutHeaders(headers, BODY_HEADERS);
  } else if (!replayable) {
    throw Object.assign(
      new RedirectError(
        `a ${response.status} redirect must resend the body, and this body cannot be replayed`,
      ),
      { request: info },
    );
  }
  if (url.origin !== request.url.origin) headers = withoutHeaders(headers, CREDENTIALS);
  return { ...request, method, url, body, upload, replayable, headers };
}
