/**
 * Opening one socket for a pool key: TCP, or TLS with the key's settings and an ALPN offer. Used for
 * HTTP/2 connections and for the first connection to an https origin, whose ALPN answer decides
 * whether the key runs on HTTP/2 or on undici's HTTP/1.1 (which opens its own later connections
 * through the same settings, see route.ts).
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP, type LookupFunction, connect as netConnect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { connect as tlsConnect } from 'node:tls';
import type { ConnectMarks } from '../core/timings.js';
import type { TransportConfig, WireTLS } from '../core/transport-key.js';

/** A socket that never finishes its handshake is abandoned after this long (the exchange's own connect timeout is usually shorter). */
export const SOCKET_CONNECT_TIMEOUT = 60_000;

const DEFAULT_TLS: WireTLS = { rejectUnauthorized: true };

/**
 * A dns.lookup that answers the names of `resolve` from the map and asks DNS for the others. With
 * `all` (what net.connect asks when autoSelectFamily is on) every mapped address, in the given order,
 * is an attempt of happy eyeballs; without it, the first one (of the requested family) is used.
 */
function mappedLookup(map: Record<string, string[]>): LookupFunction {
  return (hostname, options: LookupOptions, callback) => {
    const name = hostname.toLowerCase().replace(/\.$/, '');
    if (!Object.hasOwn(map, name)) return dnsLookup(hostname, options, callback as never);
    const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
    const addresses: LookupAddress[] = map[name]!.map((address) => ({ address, family: isIP(address) }));
    const wanted = family === 4 || family === 6 ? addresses.filter((a) => a.family === family) : addresses;
    if (wanted.length === 0) {
      const error = Object.assign(new Error(`resolve: no IPv${family} address for ${hostname}`), {
        code: 'ENOTFOUND',
        hostname,
      });
      return callback(error, options.all ? [] : '', 0);
    }
    if (options.all) return (callback as (e: null, a: LookupAddress[]) => void)(null, wanted);
    callback(null, wanted[0]!.address, wanted[0]!.family);
  };
}

const lookups = new WeakMap<Record<string, string[]>, LookupFunction>();

/** How net.connect and tls.connect reach the key's peer: local address, socket path, addresses, happy eyeballs. */
function connectOptions(transport: TransportConfig | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!transport) return out;
  if (transport.localAddress) out.localAddress = transport.localAddress;
  // net.connect and tls.connect take `path` over host and port; undici's connector passes it on too.
  if (transport.socketPath !== undefined) out.path = transport.socketPath;
  if (transport.resolve !== undefined) {
    let lookup = lookups.get(transport.resolve);
    if (!lookup) {
      lookup = mappedLookup(transport.resolve);
      lookups.set(transport.resolve, lookup);
    }
    out.lookup = lookup;
  }
  if (transport.autoSelectFamily !== undefined) out.autoSelectFamily = transport.autoSelectFamily;
  if (transport.autoSelectFamilyAttemptTimeout !== undefined)
    out.autoSelectFamilyAttemptTimeout = transport.autoSelectFamilyAttemptTimeout;
  return out;
}

/** The tls.connect options of a key, as undici's connector and our own connects both use them. */
export function tlsOptions(transport: TransportConfig | undefined): Record<string, unknown> {
  return { ...(transport?.tls ?? DEFAULT_TLS), ...connectOptions(transport) };
}

const connectMarks = new WeakMap<object, ConnectMarks>();

/**
 * Notes the instants of a new socket's setup (lookup, TCP, TLS) as they happen: the first exchange
 * on the connection reports them as its dns, tcp and tls phases. `start`: when the socket was asked for.
 */
export function timeConnect(socket: Socket, start = performance.now()): void {
  const marks: ConnectMarks = { start };
  connectMarks.set(socket, marks);
  socket.once('lookup', () => {
    marks.lookup = performance.now();
  });
  socket.once('connect', () => {
    marks.connect = performance.now();
  });
  socket.once('secureConnect', () => {
    marks.secureConnect = performance.now();
  });
}

/**
 * A socket made by a connector that hands it over only once ready (a proxy tunnel): its setup is
 * known only as a whole, from `start` to now, reported as its tcp phase.
 */
export function connectedAsWhole(socket: Socket, start: number): void {
  if (!connectMarks.has(socket)) connectMarks.set(socket, { start, connect: performance.now() });
}

/** The setup instants of a socket, once, for the connection made of it. */
export function takeConnectMarks(socket: Socket): ConnectMarks | undefined {
  const marks = connectMarks.get(socket);
  connectMarks.delete(socket);
  return marks;
}

const bare = (hostname: string): string => (hostname.startsWith('[') ? hostname.slice(1, -1) : hostname);

/**
 * Connects to `origin` and calls back once the socket is ready to carry HTTP (after the TLS handshake
 * on https). `alpn` is the protocol list offered on https.
 */
export function openSocket(
  origin: URL,
  transport: TransportConfig | undefined,
  alpn: string[],
  callback: (error: Error | null, socket?: Socket) => void,
): void {
  const host = bare(origin.hostname);
  let done = false;
  let timer: NodeJS.Timeout | undefined;
  const finish = (error: Error | null, socket?: Socket) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    callback(error, socket);
  };
  let socket: Socket;
  const start = performance.now();
  // A setting OpenSSL refuses throws here, synchronously: reported like any failed connect, so the
  // caller's state (a probe in progress, a slot taken) is undone by its callback.
  try {
    socket = connectSocket(origin, host, transport, alpn);
  } catch (error) {
    process.nextTick(finish, error as Error);
    return;
  }
  timeConnect(socket, start);
  if (origin.protocol === 'https:') socket.once('secureConnect', () => finish(null, socket));
  else socket.once('connect', () => finish(null, socket));
  socket.setNoDelay(true);
  socket.once('error', (error) => finish(error));
  timer = setTimeout(() => {
    const error = Object.assign(new Error(`connect to ${origin.origin} timed out`), {
      code: 'UND_ERR_CONNECT_TIMEOUT',
    });
    socket.destroy(error);
    finish(error);
  }, SOCKET_CONNECT_TIMEOUT);
}

function connectSocket(
  origin: URL,
  host: string,
  transport: TransportConfig | undefined,
  alpn: string[],
): Socket {
  if (origin.protocol === 'https:') {
    const tls = transport?.tls ?? DEFAULT_TLS;
    const servername = tls.servername ?? (isIP(host) === 0 ? host : undefined);
    return tlsConnect({
      ...tlsOptions(transport),
      host,
      port: Number(origin.port) || 443,
      servername,
      ALPNProtocols: alpn,
    });
  }
  return netConnect({ host, port: Number(origin.port) || 80, ...connectOptions(transport) } as never);
}
