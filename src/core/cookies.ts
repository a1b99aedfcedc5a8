/**
 * Cookies, through tough-cookie (RFC 6265: domain, path, secure, expiry and public-suffix rules).
 * The jar is used synchronously (a MemoryCookieStore), in the caller's thread, inside the policy
 * generator: read before every hop, written after every response, redirects included. Both faces
 * of one client share one jar. The global `http` and `httpSync` have none.
 */
import { CookieJar, MemoryCookieStore } from 'tough-cookie';
import { InvalidArgumentError } from './errors.js';
import { findHeader } from './options.js';

/** `true`: a jar of the client's own; a CookieJar: that jar; false or absent: no cookies at all. */
export type CookiesOption = boolean | CookieJar;

export function resolveJar(option: CookiesOption | undefined): CookieJar | null {
  if (option === undefined || option === false) return null;
  if (option === true) return new CookieJar(new MemoryCookieStore());
  if (option instanceof CookieJar) return option;
  throw new InvalidArgumentError('cookies must be true, false or a tough-cookie CookieJar');
}

/**
 * The headers to send to `url`: the jar's cookies after any Cookie header the caller gave. A Secure
 * cookie never goes over plain http, not even to loopback (which tough-cookie would otherwise treat
 * as a secure context): https→http never carries credentials.
 */
export function withJarCookies(headers: readonly string[], url: URL, jar: CookieJar): readonly string[] {
  const plain = url.protocol === 'http:';
  const cookies = jar
    .getCookiesSync(url.href)
    .filter((cookie) => !(plain && cookie.secure))
    .map((cookie) => cookie.cookieString())
    .join('; ');
  if (!cookies) return headers;
  const out = [...headers];
  const given = findHeader(out, 'cookie');
  if (given === -1) out.push('cookie', cookies);
  else out[given + 1] = `${out[given + 1]}; ${cookies}`;
  return out;
}

/** Stores a response's Set-Cookie lines; the ones the rules refuse (Domain=co.uk…) are ignored. */
export function storeCookies(jar: CookieJar, url: URL, setCookies: readonly string[]): void {
  for (const line of setCookies) jar.setCookieSync(line, url.href, { ignoreError: true });
}
