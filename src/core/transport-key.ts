/**
 * The pool key: which connections an exchange may use. Two exchanges share a connection only when
 * their pool, origin and every transport-affecting option are equal, so a request made with
 * `tls: { verify: false }` can never leave an unverified connection behind for a verifying request
 * (the lesson of requests' CVE-2024-35195, curl's CVE-2022-27782).
 *
 * The registries below are typed over every option of {@link TLSOptions} and {@link TransportOptions}:
 * adding an option without deciding whether it splits pools does not compile.
 */
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { InvalidArgumentError } from './errors.js';
import { hostnameProblem } from './hostname.js';
import type { ProxyOption, WireProxy } from './proxy.js';
import { checkTLSMaterial } from './tls-material.js';

/** A PEM-encoded certificate or key, as text or bytes. */
export type PEM = string | Uint8Array;
/** A TLS protocol version onepool lets a connection use. */
export type TLSVersion = 'TLSv1.2' | 'TLSv1.3';

/** The `tls` option: how connections verify the server and present a client certificate. */
export interface TLSOptions {
  /** Verify the server's certificate chain and name. Default true. */
  verify?: boolean;
  /** Trusted CA certificates (PEM), replacing Node's default roots. */
  ca?: PEM | readonly PEM[];
  /** Client certificate (PEM) for mutual TLS. */
  cert?: PEM;
  /** Client private key (PEM) for mutual TLS. */
  key?: PEM;
  /** SNI and certificate name to use instead of the URL's host. */
  servername?: string;
  /** Lowest TLS version accepted. */
  minVersion?: TLSVersion;
  /** Highest TLS version offered. */
  maxVersion?: TLSVersion;
  /** OpenSSL cipher list (TLS 1.2 and below), e.g. 'ECDHE-RSA-AES128-GCM-SHA256'. */
  ciphers?: string;
}

/** Every option that affects how a connection is made. */
export interface TransportOptions {
  /** TLS settings; connections are only shared between requests with equal settings. */
  tls?: TLSOptions;
  /**
   * HTTP/2 use. `true` (default): offered through ALPN on https, HTTP/1.1 on http. `false`: HTTP/1.1
   * only. `'prior-knowledge'`: HTTP/2 without negotiation, also on plain http (h2c).
   */
  http2?: boolean | 'prior-knowledge';
  /** Local interface address to connect from. */
  localAddress?: string;
  /**
   * A Unix domain socket to connect to instead of the URL's host and port (the URL still gives the
   * Host header, the scheme and the path), e.g. `/var/run/docker.sock`. Every hop of a redirect
   * chain goes to this socket. Cannot be combined with a `proxy` (a proxy is reached over the network,
   * which a socket path replaces); proxies from the environment are not applied.
   */
  socketPath?: string;
  /**
   * Addresses to connect to for host names, instead of asking DNS (as curl's `--resolve`, for every
   * port): `{ 'api.internal': ['::1', '127.0.0.1'] }`. The URL's name is still the Host header, the
   * TLS server name and the name the certificate is verified against. Several addresses are tried
   * as DNS answers are (see `autoSelectFamily`). Cannot be combined with a `proxy` (the proxy, not
   * this process, resolves the target); proxies from the environment are not applied to a mapped name.
   */
  resolve?: Readonly<Record<string, string | readonly string[]>>;
  /**
   * Happy eyeballs (RFC 8305), Node's `autoSelectFamily`: a name with several addresses (IPv6 and
   * IPv4) is connected by trying them in turn, starting the next when one fails or has not connected
   * within `autoSelectFamilyAttemptTimeout`; the first to connect wins. `false`: only the first address
   * is tried. Default: Node's (true since Node 20, see `net.getDefaultAutoSelectFamily()`).
   */
  autoSelectFamily?: boolean;
  /**
   * ms an address gets to connect before the next one is tried as well (happy eyeballs' attempt
   * delay); an integer >= 10. Default: Node's, 250 (`net.getDefaultAutoSelectFamilyAttemptTimeout()`).
   */
  autoSelectFamilyAttemptTimeout?: number;
  /**
   * The proxy: a URL (`http:`, `https:`, `socks5:`, `socks5h:`, with optional credentials) or
   * `{ url, tls }`; `false` for none; absent to follow HTTP_PROXY / HTTPS_PROXY / ALL_PROXY / NO_PROXY,
   * read at each request. Resolved per exchange (wire.ts), keyed by poolKey. See README, "Proxies".
   */
  proxy?: ProxyOption;
}

type Classification = 'splits-pool' | 'does-not-split';

/** How each TLS option treats the pool: every TLS option must be listed. */
export const tlsRegistry: { readonly [K in keyof Required<TLSOptions>]: Classification } = {
  verify: 'splits-pool',
  ca: 'splits-pool',
  cert: 'splits-pool',
  key: 'splits-pool',
  servername: 'splits-pool',
  minVersion: 'splits-pool',
  maxVersion: 'splits-pool',
  ciphers: 'splits-pool',
};

/** How each transport option treats the pool: every transport option must be listed. */
export const transportRegistry: { readonly [K in keyof Required<TransportOptions>]: Classification } = {
  tls: 'splits-pool',
  http2: 'splits-pool',
  localAddress: 'splits-pool',
  socketPath: 'splits-pool',
  resolve: 'splits-pool',
  // These two only change how a connection is opened, not what it is. They split the pool anyway:
  // a key's connector is built once, from its first request, so a setting that did not split would
  // be silently replaced by whichever value came first.
  autoSelectFamily: 'splits-pool',
  autoSelectFamilyAttemptTimeout: 'splits-pool',
  proxy: 'splits-pool',
};

export interface WireTLS {
  rejectUnauthorized: boolean;
  ca?: string[];
  cert?: string;
  key?: string;
  servername?: string;
  minVersion?: TLSVersion;
  maxVersion?: TLSVersion;
  ciphers?: string;
}

/** The transport configuration as it crosses to the worker: PEMs as strings, nothing left to guess. */
export interface TransportConfig {
  tls: WireTLS;
  http2: boolean | 'prior-knowledge';
  localAddress?: string;
  socketPath?: string;
  /** host name (lower case) → addresses, in the order given */
  resolve?: Record<string, string[]>;
  autoSelectFamily?: boolean;
  autoSelectFamilyAttemptTimeout?: number;
}

export interface ResolvedTransport {
  /** '' for the default configuration, else a text naming every field that splits the pool */
  id: string;
  config: TransportConfig | undefined;
}

const DEFAULT_TLS: WireTLS = { rejectUnauthorized: true };
const DEFAULT: ResolvedTransport = { id: '', config: undefined };
const tlsCache = new WeakMap<TLSOptions, { id: string; tls: WireTLS }>();
const resolvedCache = new Map<string, ResolvedTransport>();
/** ids of TLS settings whose material has been checked (checkTLSMaterial) */
const checkedIds = new Set<string>(['']);

/**
 * A PEM option as text. Text without a `-----BEGIN ` line is refused: Node would take a file path
 * given here as certificate text and fail every handshake with an unrelated-looking TLS error.
 * `what` is the option's full name (`tls.ca`, `proxy.tls.ca`).
 */
export function pemText(pem: unknown, what: string): string {
  let text: string;
  if (typeof pem === 'string') text = pem;
  else if (pem instanceof Uint8Array)
    text = Buffer.from(pem.buffer, pem.byteOffset, pem.byteLength).toString('utf8');
  else throw new InvalidArgumentError(`${what} must be a PEM string or bytes`);
  // Empty: Node would trust no certificate at all (a given ca replaces the default roots).
  if (text.trim() === '') throw new InvalidArgumentError(`${what} is empty: not PEM`);
  if (!text.includes('-----BEGIN ')) {
    const hint =
      typeof pem === 'string' && !text.includes('\n') && text.length < 4096
        ? ` (a file path? pass its contents: readFileSync(${JSON.stringify(text)}, 'utf8'))`
        : " (to use a file, pass its contents: readFileSync(path, 'utf8'))";
    throw new InvalidArgumentError(`${what} is not PEM: no -----BEGIN line${hint}`);
  }
  return text;
}

const TLS_VERSIONS = new Set(['TLSv1.2', 'TLSv1.3']);
const resolveCache = new WeakMap<object, { id: string; map: Record<string, string[]> }>();

/** The `resolve` map, checked and made canonical (names in lower case without a trailing dot, sorted). */
function resolveMap(
  option: TransportOptions['resolve'],
): { id: string; map: Record<string, string[]> } | undefined {
  if (option === undefined) return undefined;
  if (typeof option !== 'object' || option === null || Array.isArray(option))
    throw new InvalidArgumentError(
      "resolve must be an object of host names to addresses: { 'name': ['::1'] }",
    );
  const hit = resolveCache.get(option);
  if (hit) return hit;
  // Without a prototype: a host named `constructor` or `__proto__` is a name like any other.
  const map: Record<string, string[]> = Object.create(null);
  for (const name of Object.keys(option).sort()) {
    const value = option[name];
    const list = typeof value === 'string' ? [value] : value;
    const host = name.toLowerCase().replace(/\.$/, '');
    if (isIP(host) !== 0 || host.startsWith('[') || hostnameProblem(host) !== undefined)
      throw new InvalidArgumentError(`resolve: ${JSON.stringify(name)} is not a host name`);
    if (
      !Array.isArray(list) ||
      list.length === 0 ||
      !list.every((a) => typeof a === 'string' && isIP(a) !== 0)
    )
      throw new InvalidArgumentError(
        `resolve[${JSON.stringify(name)}] must be an IP address or a non-empty list of them`,
      );
    map[host] = [...list];
  }
  const id = createHash('sha256').update(JSON.stringify(map)).digest('hex').slice(0, 16);
  const resolved = { id, map };
  resolveCache.set(option, resolved);
  return resolved;
}

function resolveTLS(tls: TLSOptions | undefined): { id: string; tls: WireTLS } {
  if (tls === undefined) return { id: '', tls: DEFAULT_TLS };
  const hit = tlsCache.get(tls);
  if (hit) return hit;
  const out: WireTLS = { rejectUnauthorized: tls.verify !== false };
  if (tls.ca !== undefined) {
    const list = Array.isArray(tls.ca) ? tls.ca : [tls.ca as PEM];
    out.ca = list.map((pem) => pemText(pem, 'tls.ca'));
  }
  if (tls.cert !== undefined) out.cert = pemText(tls.cert, 'tls.cert');
  if (tls.key !== undefined) out.key = pemText(tls.key, 'tls.key');
  for (const name of ['servername', 'ciphers'] as const) {
    const value = tls[name];
    if (value === undefined) continue;
    if (typeof value !== 'string' || value === '')
      throw new InvalidArgumentError(`tls.${name} must be a non-empty string`);
    out[name] = value;
  }
  for (const name of ['minVersion', 'maxVersion'] as const) {
    const value = tls[name];
    if (value === undefined) continue;
    if (!TLS_VERSIONS.has(value))
      throw new InvalidArgumentError(`tls.${name} must be 'TLSv1.2' or 'TLSv1.3'`);
    out[name] = value;
  }
  const isDefault = Object.keys(out).length === 1 && out.rejectUnauthorized;
  const resolved = isDefault
    ? { id: '', tls: DEFAULT_TLS }
    : { id: createHash('sha256').update(JSON.stringify(out)).digest('hex').slice(0, 16), tls: out };
  if (!checkedIds.has(resolved.id)) {
    checkTLSMaterial(out);
    // Bounded like resolvedCache: a forgotten id costs one more check, nothing else.
    if (checkedIds.size > 1000) checkedIds.clear();
    checkedIds.add(resolved.id);
  }
  tlsCache.set(tls, resolved);
  return resolved;
}

/**
 * Resolves the transport options of one call. The TLS part is cached per options object and the
 * whole per distinct key, so the per-request cost is a WeakMap and a Map lookup.
 */
export function resolveTransport(opts: TransportOptions): ResolvedTransport {
  const tls = resolveTLS(opts.tls);
  const http2 = opts.http2 ?? true;
  if (http2 !== true && http2 !== false && http2 !== 'prior-knowledge')
    throw new InvalidArgumentError("http2 must be true, false or 'prior-knowledge'");
  const local = opts.localAddress;
  if (local !== undefined && isIP(local) === 0)
    throw new InvalidArgumentError('localAddress must be an IP address');
  const socketPath = opts.socketPath;
  if (socketPath !== undefined && (typeof socketPath !== 'string' || socketPath === ''))
    throw new InvalidArgumentError('socketPath must be a non-empty string (the path of a Unix socket)');
  const resolve = resolveMap(opts.resolve);
  const family = opts.autoSelectFamily;
  if (family !== undefined && typeof family !== 'boolean')
    throw new InvalidArgumentError('autoSelectFamily must be true or false');
  const delay = opts.autoSelectFamilyAttemptTimeout;
  if (delay !== undefined && !(Number.isInteger(delay) && delay >= 10))
    throw new InvalidArgumentError('autoSelectFamilyAttemptTimeout must be an integer number of ms >= 10');
  const plain = local === undefined && socketPath === undefined && resolve === undefined;
  if (tls.id === '' && http2 === true && plain && family === undefined && delay === undefined) return DEFAULT;
  const parts = [
    tls.id && `tls=${tls.id}`,
    http2 !== true && `h2=${http2}`,
    local && `local=${local}`,
    resolve && `resolve=${resolve.id}`,
    family !== undefined && `af=${family}`,
    delay !== undefined && `afdelay=${delay}`,
    // Quoted and last: a path is the caller's text, and may hold a ',' or an '=' of its own.
    socketPath !== undefined && `unix=${JSON.stringify(socketPath)}`,
  ];
  const id = parts.filter(Boolean).join(',');
  let resolved = resolvedCache.get(id);
  if (!resolved) {
    const config: TransportConfig = { tls: tls.tls, http2 };
    if (local !== undefined) config.localAddress = local;
    if (socketPath !== undefined) config.socketPath = socketPath;
    if (resolve !== undefined) config.resolve = resolve.map;
    if (family !== undefined) config.autoSelectFamily = family;
    if (delay !== undefined) config.autoSelectFamilyAttemptTimeout = delay;
    resolved = { id, config };
    // Bounded: distinct configurations are few in practice; the bound only stops pathological growth.
    if (resolvedCache.size > 1000) resolvedCache.clear();
    resolvedCache.set(id, resolved);
  }
  return resolved;
}

/**
 * The pool key of one exchange: pool id (0 = the global pool), origin, transport configuration, and
 * the proxy (`origin via proxy`, credentials as a keyed digest), so a tunnel to one origin is never
 * used for another and two proxies or two sets of credentials never share a connection.
 */
export function poolKey(
  pool: number,
  origin: string,
  transport: ResolvedTransport,
  proxy?: WireProxy,
): string {
  const base0 = pool === 0 ? origin : `pool${pool}:${origin}`;
  const base = transport.id === '' ? base0 : `${base0}#${transport.id}`;
  return proxy === undefined ? base : `${base} via ${proxy.id}`;
}
