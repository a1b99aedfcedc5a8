/**
 * Which proxy one exchange goes through, decided in the caller's thread for every exchange (so a
 * redirect to another origin or scheme is routed afresh, and NO_PROXY is applied per hop).
 *
 * - `proxy: 'http://user:pass@host:port'` (or a URL, or {@link ProxySettings}): this proxy for every
 *   request of the client; `http:` and `https:` proxies forward http:// targets and tunnel https://
 *   targets with CONNECT; `socks5:` resolves the target's name locally, `socks5h:` lets the proxy do it.
 * - `proxy: false`: never a proxy; the environment is ignored. `trustEnv: false` without a `proxy`
 *   option arrives here as `proxy: false` (netrc.ts's withEnvironment).
 * - absent: the environment of the CALLER's process, read at each request (the pool worker's env is a
 *   copy taken at its spawn): `http_proxy` / `https_proxy` by target scheme, else `all_proxy`, and
 *   `no_proxy`; lower-case names win over upper-case ones. As Go and curl do against httpoxy
 *   (CVE-2016-5385), upper-case HTTP_PROXY is ignored when REQUEST_METHOD is set (a CGI process,
 *   where a request's `Proxy:` header arrives as HTTP_PROXY).
 *
 * Credentials from the proxy URL never enter the request's headers: they cross to the worker inside
 * {@link WireProxy} and go only to the proxy (in CONNECT for tunnels, SOCKS5 auth, or on forwarded
 * plain-http requests). A redirect therefore cannot carry them to an origin (requests' CVE-2023-32681).
 */
import { createHmac, randomBytes } from 'node:crypto';
import { BlockList, isIP } from 'node:net';
import { InvalidArgumentError } from './errors.js';
import { hostnameProblem } from './hostname.js';
import { type PEM, pemText } from './transport-key.js';

export interface ProxySettings {
  /** `http://`, `https://`, `socks5://` or `socks5h://`, with optional `user:password@` */
  url: string | URL;
  /** TLS to an `https://` proxy itself (the origin's TLS is the request's `tls` option). */
  tls?: { verify?: boolean; ca?: PEM | readonly PEM[]; servername?: string };
}

/** The `proxy` option: a proxy for every request, `false` for none, absent for the environment. */
export type ProxyOption = string | URL | ProxySettings | false;

/** A proxy as it crosses to the worker: plain data, credentials decoded. */
export interface WireProxy {
  protocol: 'http:' | 'https:' | 'socks5:' | 'socks5h:';
  /** host as in a URL (IPv6 in brackets) */
  host: string;
  port: number;
  /** `scheme://host:port`, no credentials: what stats and errors show */
  display: string;
  username?: string;
  password?: string;
  tls?: { rejectUnauthorized: boolean; ca?: string[]; servername?: string };
  /** splits the pool: display plus a keyed digest of the credentials and TLS settings */
  id: string;
}

const DEFAULT_PORT = { 'http:': 80, 'https:': 443, 'socks5:': 1080, 'socks5h:': 1080 } as const;
// Keyed per process: the digest in a pool key tells two credentials apart without letting anyone
// who reads stats test password guesses against it.
const SECRET = randomBytes(32);
const parsed = new Map<string, WireProxy>();
const settingsCache = new WeakMap<ProxySettings, WireProxy>();

function parseProxy(text: string, tls: ProxySettings['tls'], source: string): WireProxy {
  // A scheme must be followed by '//' and the authority: the URL parser reads 'http:///h' as host h,
  // and the "host:port" fallback below made 'http:/127.0.0.1:1' the host "http". Without '//', only
  // "host:port" and "user:pass@host:port" are a proxy given without a scheme.
  const slashes = /^[a-z][a-z0-9+.-]*:\/\//i.test(text);
  const bad = slashes
    ? !/^[a-z][a-z0-9+.-]*:\/\/[^/\\]/i.test(text)
    : /^[a-z][a-z0-9+.-]*:/i.test(text) && !/^[^/\\]*@/.test(text) && !/^[^:/\\@]+:\d+\/?$/.test(text);
  if (bad) throw new InvalidArgumentError(`${source}: invalid proxy URL (expected scheme://host:port)`);
  let url: URL;
  try {
    // "host:port" without a scheme, as some environments set it, means an http proxy.
    url = new URL(slashes ? text : `http://${text}`);
  } catch {
    throw new InvalidArgumentError(`${source}: invalid proxy URL`);
  }
  const problem = hostnameProblem(url.hostname);
  if (problem !== undefined) throw new InvalidArgumentError(`${source}: invalid proxy URL (${problem})`);
  const protocol = url.protocol === 'socks:' ? 'socks5:' : url.protocol;
  if (!(protocol in DEFAULT_PORT))
    throw new InvalidArgumentError(
      `${source}: unsupported proxy scheme ${url.protocol} (http, https, socks5, socks5h)`,
    );
  const p = protocol as WireProxy['protocol'];
  const port = Number(url.port) || DEFAULT_PORT[p];
  const display = `${p}//${url.hostname}:${port}`;
  const proxy: WireProxy = { protocol: p, host: url.hostname, port, display, id: display };
  if (url.username || url.password) {
    proxy.username = decodeURIComponent(url.username);
    proxy.password = decodeURIComponent(url.password);
    if (p.startsWith('socks') && (proxy.username.length > 255 || proxy.password.length > 255))
      throw new InvalidArgumentError(`${source}: SOCKS5 user name and password are at most 255 bytes`);
  }
  if (tls !== undefined) {
    const ca = tls.ca === undefined ? undefined : Array.isArray(tls.ca) ? tls.ca : [tls.ca as PEM];
    proxy.tls = { rejectUnauthorized: tls.verify !== false };
    if (ca) proxy.tls.ca = ca.map((pem) => pemText(pem, `${source}.tls.ca`));
    if (tls.servername !== undefined) proxy.tls.servername = tls.servername;
  }
  if (proxy.username !== undefined || proxy.tls !== undefined) {
    const digest = createHmac('sha256', SECRET)
      .update(JSON.stringify([proxy.username, proxy.password, proxy.tls]))
      .digest('hex')
      .slice(0, 12);
    proxy.id = `${display} (${proxy.username !== undefined ? 'auth ' : ''}${digest})`;
  }
  return proxy;
}

function fromText(text: string, source: string): WireProxy {
  let proxy = parsed.get(text);
  if (!proxy) {
    proxy = parseProxy(text, undefined, source);
    if (parsed.size > 100) parsed.clear();
    parsed.set(text, proxy);
  }
  return proxy;
}

/** Checks a `proxy` option when a request or client is made, so a bad one fails before anything is sent. */
export function checkProxyOption(option: unknown): void {
  if (option === undefined || option === false) return;
  proxyFromOption(option as Exclude<ProxyOption, false>);
}

function proxyFromOption(option: Exclude<ProxyOption, false>): WireProxy {
  if (typeof option === 'string') return fromText(option, 'proxy');
  if (option instanceof URL) return fromText(option.href, 'proxy');
  if (typeof option !== 'object' || option === null || !('url' in option))
    throw new InvalidArgumentError('proxy must be a URL string, a URL, { url, tls } or false');
  let proxy = settingsCache.get(option);
  if (!proxy) {
    proxy = parseProxy(String(option.url), option.tls, 'proxy');
    settingsCache.set(option, proxy);
  }
  return proxy;
}

type Env = Record<string, string | undefined>;

function envValue(env: Env, name: string): string | undefined {
  const lower = env[name];
  if (lower !== undefined && lower !== '') return lower;
  if (name === 'http_proxy' && env.REQUEST_METHOD !== undefined) return undefined;
  const upper = env[name.toUpperCase()];
  return upper !== undefined && upper !== '' ? upper : undefined;
}

/**
 * The proxy for one exchange to `target`, or undefined for a direct connection. Throws
 * InvalidArgumentError for a proxy URL that cannot be used (from the option or the environment).
 */
export function proxyFor(
  option: ProxyOption | undefined,
  target: URL,
  env: Env = process.env,
): WireProxy | undefined {
  if (option === false) return undefined;
  if (option !== undefined) return proxyFromOption(option);
  const name = target.protocol === 'https:' ? 'https_proxy' : 'http_proxy';
  let source = name;
  let text = envValue(env, name);
  if (text === undefined) {
    source = 'all_proxy';
    text = envValue(env, source);
  }
  if (text === undefined) return undefined;
  const noProxy = envValue(env, 'no_proxy');
  if (noProxy !== undefined && noProxyMatches(noProxy, target)) return undefined;
  return fromText(text, `environment ${source}`);
}

const bare = (host: string): string =>
  host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;

interface Rule {
  /** lower case, no trailing dot; '' for an address rule */
  domain: string;
  /** true for '.example.com' and '*.example.com': subdomains only */
  subdomainsOnly: boolean;
  addresses: BlockList | undefined;
  port: number | undefined;
}

const rulesCache = new Map<string, Rule[] | 'all'>();

function parseRules(noProxy: string): Rule[] | 'all' {
  const hit = rulesCache.get(noProxy);
  if (hit) return hit;
  const rules: Rule[] = [];
  let all = false;
  for (let entry of noProxy.split(/[\s,]+/)) {
    entry = entry.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === '*') {
      all = true;
      break;
    }
    let port: number | undefined;
    // "[v6]:port", "host:port", "v4:port"; a bare IPv6 address has more than one colon.
    const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
    if (bracketed) {
      entry = bracketed[1]!;
      port = bracketed[2] ? Number(bracketed[2]) : undefined;
    } else if (entry.indexOf(':') === entry.lastIndexOf(':') && /:\d+$/.test(entry)) {
      port = Number(entry.slice(entry.lastIndexOf(':') + 1));
      entry = entry.slice(0, entry.lastIndexOf(':'));
    }
    const slash = entry.indexOf('/');
    const address = slash === -1 ? entry : entry.slice(0, slash);
    const family = isIP(address);
    if (family !== 0) {
      const list = new BlockList();
      const type = family === 4 ? 'ipv4' : 'ipv6';
      const prefix = slash === -1 ? (family === 4 ? 32 : 128) : Number(entry.slice(slash + 1));
      if (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128)) continue;
      list.addSubnet(address, prefix, type);
      rules.push({ domain: '', subdomainsOnly: false, addresses: list, port });
      continue;
    }
    let domain = entry.replace(/\.$/, '');
    let subdomainsOnly = false;
    if (domain.startsWith('*.')) domain = domain.slice(1);
    if (domain.startsWith('.')) {
      subdomainsOnly = true;
      domain = domain.slice(1);
    }
    if (domain !== '') rules.push({ domain, subdomainsOnly, addresses: undefined, port });
  }
  const result = all ? 'all' : rules;
  if (rulesCache.size > 100) rulesCache.clear();
  rulesCache.set(noProxy, result);
  return result;
}

/**
 * Whether a NO_PROXY value exempts `target` from the proxy. Entries, separated by commas or spaces:
 * `*` (everything); `example.com` (that host and its subdomains); `.example.com` or `*.example.com`
 * (subdomains only); an IP address or CIDR block (`10.0.0.0/8`, `::1`, `[::1]`), matched against IP
 * literal targets only (names are not resolved); any of these with `:port` to match that port only.
 * Case-insensitive; a trailing dot on either side is ignored.
 */
export function noProxyMatches(noProxy: string, target: URL): boolean {
  const rules = parseRules(noProxy);
  if (rules === 'all') return true;
  const host = bare(target.hostname.toLowerCase()).replace(/\.$/, '');
  const port = Number(target.port) || (target.protocol === 'https:' ? 443 : 80);
  const family = isIP(host);
  for (const rule of rules) {
    if (rule.port !== undefined && rule.port !== port) continue;
    if (rule.addresses) {
      if (family !== 0 && rule.addresses.check(host, family === 4 ? 'ipv4' : 'ipv6')) return true;
      continue;
    }
    if (family !== 0) continue;
    if (host === rule.domain) {
      if (!rule.subdomainsOnly) return true;
    } else if (host.endsWith(`.${rule.domain}`)) return true;
  }
  return false;
}
