/**
 * The pool key: which connections an exchange may use. Two exchanges share a connection only when
 * their origin and every transport-affecting option are equal, so a request made with
 * `tls: { verify: false }` can never leave an unverified connection behind for a verifying request
 * (the lesson of requests' CVE-2024-35195, curl's CVE-2022-27782).
 *
 * The registry below is typed over every option of {@link TLSOptions}: adding an option without
 * deciding whether it splits pools does not compile.
 */
import { createHash } from 'node:crypto';
import { InvalidArgumentError } from './errors.js';
import type { WireProxy } from './proxy.js';

export type PEM = string | Uint8Array;

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
  minVersion?: 'TLSv1.2' | 'TLSv1.3';
}

/** How each option treats the pool: every transport option must be listed. */
const registry: { readonly [K in keyof Required<TLSOptions>]: 'splits-pool' | 'does-not-split' } = {
  verify: 'splits-pool',
  ca: 'splits-pool',
  cert: 'splits-pool',
  key: 'splits-pool',
  servername: 'splits-pool',
  minVersion: 'splits-pool',
};

/** The transport configuration as it crosses to the worker: PEMs as strings, nothing optional left to guess. */
export interface TransportConfig {
  tls: {
    rejectUnauthorized: boolean;
    ca?: string[];
    cert?: string;
    key?: string;
    servername?: string;
    minVersion?: 'TLSv1.2' | 'TLSv1.3';
  };
}

export interface ResolvedTransport {
  /** '' for the default configuration, else a digest of every field that splits the pool */
  id: string;
  config: TransportConfig | undefined;
}

const DEFAULT: ResolvedTransport = { id: '', config: undefined };
const cache = new WeakMap<TLSOptions, ResolvedTransport>();

const pemText = (pem: PEM, what: string): string => {
  if (typeof pem === 'string') return pem;
  if (pem instanceof Uint8Array)
    return Buffer.from(pem.buffer, pem.byteOffset, pem.byteLength).toString('utf8');
  throw new InvalidArgumentError(`tls.${what} must be a PEM string or bytes`);
};

/** Resolves TLS options once per options object (cached), so the per-request cost is a WeakMap lookup. */
export function resolveTransport(tls: TLSOptions | undefined): ResolvedTransport {
  if (tls === undefined) return DEFAULT;
  const hit = cache.get(tls);
  if (hit) return hit;
  for (const name of Object.keys(tls)) {
    if (!(name in registry)) throw new InvalidArgumentError(`unknown tls option: ${name}`);
  }
  const config: TransportConfig = { tls: { rejectUnauthorized: tls.verify !== false } };
  if (tls.ca !== undefined) {
    const list = Array.isArray(tls.ca) ? tls.ca : [tls.ca as PEM];
    config.tls.ca = list.map((pem) => pemText(pem, 'ca'));
  }
  if (tls.cert !== undefined) config.tls.cert = pemText(tls.cert, 'cert');
  if (tls.key !== undefined) config.tls.key = pemText(tls.key, 'key');
  if (tls.servername !== undefined) config.tls.servername = tls.servername;
  if (tls.minVersion !== undefined) config.tls.minVersion = tls.minVersion;
  const isDefault = Object.keys(config.tls).length === 1 && config.tls.rejectUnauthorized;
  const resolved: ResolvedTransport = isDefault
    ? DEFAULT
    : { id: createHash('sha256').update(JSON.stringify(config)).digest('hex').slice(0, 16), config };
  cache.set(tls, resolved);
  return resolved;
}

/**
 * How the options beside `tls` that shape a connection treat the pool. The proxy splits it: its URL,
 * credentials and TLS settings are all in its id, so a tunnel to one origin is never used for
 * another, and two proxies or two sets of credentials never share a connection.
 */
export const transportRegistry: { readonly [K in 'tls' | 'proxy']: 'splits-pool' | 'does-not-split' } = {
  tls: 'splits-pool',
  proxy: 'splits-pool',
};

/** The pool key of one exchange; a proxied key reads `origin via proxy`, credentials as a digest. */
export function poolKey(origin: string, transport: ResolvedTransport, proxy?: WireProxy): string {
  const base = transport.id === '' ? origin : `${origin}#${transport.id}`;
  return proxy === undefined ? base : `${base} via ${proxy.id}`;
}
