/**
 * Cookies, through tough-cookie (RFC 6265: domain, path, secure, expiry and public-suffix rules).
 * The jar is used synchronously (a MemoryCookieStore), in the caller's thread, inside the policy
 * generator: read before every hop, written after every response, redirects included. Both faces
 * of one client share one jar. The global `http` and `httpSync` have none.
 *
 * On top of RFC 6265, a cookie the jar receives from a response is bound to the origin that set it,
 * as Origin-Bound Cookies proposes (draft-amarjotgill-origin-bound-cookies, IETF, 2025): it goes back
 * only over the scheme it came over, and a host-only cookie (no Domain attribute) only to the port it
 * came from. RFC 6265 scopes a cookie to a host, so without this a session cookie of
 * `http://host:8080` would reach every other service on that host. The binding is stored with the
 * cookie as an attribute tough-cookie keeps (`extensions`), so a jar saved as JSON keeps it;
 * cookies put in the jar by other code carry none and follow RFC 6265 alone.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type * as ToughCookie from 'tough-cookie';
import type { CookieJar } from 'tough-cookie';
import { InvalidArgumentError } from './errors.js';
import { findHeader } from './options.js';

/** `true`: a jar of the client's own; a CookieJar: that jar; false or absent: no cookies at all. */
export type CookiesOption = boolean | CookieJar;

// tough-cookie and its public-suffix list take ~33 ms to load, and most clients keep no cookies:
// load them when the first jar of our own is made. A jar the caller passes was loaded by the caller.
const require = createRequire(import.meta.url);
let toughCookie: typeof ToughCookie | undefined;

/**
 * The same module instance the caller's own `import`/`require` of tough-cookie gets, so `CookieJar`
 * is one class: the ESM build resolves the ESM entry and loads it with require(esm) (Node ≥ 20.19);
 * the CJS build, and older Node, the CJS entry.
 */
function loadToughCookie(): typeof ToughCookie {
  const resolve = (import.meta as { resolve?: (specifier: string) => string }).resolve;
  if (resolve) {
    try {
      return require(fileURLToPath(resolve('tough-cookie'))) as typeof ToughCookie;
    } catch {
      // Node 20.18 cannot require ESM: fall through to the CJS entry.
    }
  }
  return require('tough-cookie') as typeof ToughCookie;
}

/** A tough-cookie jar, recognised by its synchronous API (so a jar from another copy of tough-cookie works too). */
export function isJar(value: unknown): value is CookieJar {
  const jar = value as Partial<CookieJar> | null;
  return (
    typeof jar === 'object' &&
    jar !== null &&
    typeof jar.setCookieSync === 'function' &&
    typeof jar.getCookieStringSync === 'function'
  );
}

/** tough-cookie, loaded on first use. */
export function toughCookieModule(): typeof ToughCookie {
  toughCookie ??= loadToughCookie();
  return toughCookie;
}

/** An empty jar with the store onepool's policy needs: a synchronous one. */
export function newJar(): CookieJar {
  const { CookieJar: Jar, MemoryCookieStore } = toughCookieModule();
  return new Jar(new MemoryCookieStore());
}

export function resolveJar(option: CookiesOption | undefined): CookieJar | null {
  if (option === undefined || option === false) return null;
  if (option === true) return newJar();
  if (isJar(option)) return option;
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
    .filter((cookie) => !(plain && cookie.secure) && boundTo(cookie, url))
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
  // Appended last: a server that sends a binding attribute of its own is overruled by this one.
  const binding = `; ${BOUND}${origin(url)}`;
  for (const line of setCookies) jar.setCookieSync(line + binding, url.href, { ignoreError: true });
}

const BOUND = 'onepool-bound=';

/** `scheme:port` of a URL, e.g. `https:443` */
const origin = (url: URL): string =>
  `${url.protocol}${url.port || (url.protocol === 'https:' ? '443' : '80')}`;

/** Whether an origin-bound cookie may go to `url`: the same scheme, and for a host-only cookie the same port. */
function boundTo(cookie: ToughCookie.Cookie, url: URL): boolean {
  const binding = cookie.extensions?.findLast((e) => e.toLowerCase().startsWith(BOUND));
  if (binding === undefined) return true;
  const here = origin(url);
  const there = binding.slice(BOUND.length);
  if (cookie.hostOnly) return there === here;
  return there.slice(0, there.indexOf(':') + 1) === url.protocol;
}
