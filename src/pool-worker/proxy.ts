/**
 * Connections through a proxy, in the worker. Two shapes:
 *
 * - a tunnel (https:// targets through an http(s) proxy with CONNECT; every target through SOCKS5):
 *   {@link tunnelConnector} is an undici connector that opens the tunnel, then TLS to the origin
 *   inside it with the ALPN offer, so the pool above sees an ordinary socket to the origin (and
 *   counts it as one connection of the proxied key);
 * - forwarding (http:// targets through an http(s) proxy): {@link forwardDispatcher} sends the
 *   request in absolute form to the proxy, with Proxy-Authorization on that request only.
 *
 * Why not undici's ProxyAgent: it turns the flat header list into an object (repeated names are
 * lost), reports a refused CONNECT only as message text, and builds its own connections where the
 * pool cannot see them. The CONNECT and SOCKS5 handshakes are small, and owning them gives the
 * guarantees this file promises: a CONNECT answer other than 2xx, or one followed by bytes before
 * the client spoke, fails with {@link PROXY_ERROR_CODE} and the socket is destroyed before a byte
 * of the request is written.
 */
import { lookup } from 'node:dns';
import { isIP, connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { Dispatcher } from 'undici';
import type { WireProxy } from '../core/proxy.js';
import { type Connector, Pool } from './undici.js';

/** The code of every proxy refusal; error-map.ts turns it into ProxyError. */
export const PROXY_ERROR_CODE = 'ONEPOOL_ERR_PROXY';
/** A proxy's CONNECT answer longer than this is not an answer. */
const MAX_CONNECT_HEAD = 16 * 1024;

export const proxyError = (message: string, status?: number): Error =>
  Object.assign(new Error(message), { code: PROXY_ERROR_CODE, status });

type Callback = (error: Error | null, socket: Socket | null) => void;
type Wrap = (connector: Connector) => Connector;

const bare = (host: string): string => (host.startsWith('[') ? host.slice(1, -1) : host);

const basic = (proxy: WireProxy): string =>
  `Basic ${Buffer.from(`${proxy.username}:${proxy.password ?? ''}`).toString('base64')}`;

/** A TCP (or, for https:// proxies, TLS) socket to the proxy itself. */
function openProxySocket(proxy: WireProxy, timeout: number, callback: Callback): void {
  const host = bare(proxy.host);
  let socket: Socket;
  let done = false;
  const finish = (error: Error | null) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    socket.off('error', failed);
    if (error) socket.destroy();
    callback(error, error ? null : socket);
  };
  if (proxy.protocol === 'https:') {
    const tls = proxy.tls ?? { rejectUnauthorized: true };
    socket = tlsConnect({
      ...tls,
      host,
      port: proxy.port,
      servername: tls.servername ?? (isIP(host) === 0 ? host : undefined),
      ALPNProtocols: ['http/1.1'],
    });
    socket.once('secureConnect', () => finish(null));
  } else {
    socket = netConnect({ host, port: proxy.port });
    socket.once('connect', () => finish(null));
  }
  socket.setNoDelay(true);
  // Named, so that a certificate error of the proxy is not mistaken for one of the origin.
  const failed = (error: Error) => {
    error.message = `proxy ${proxy.display}: ${error.message}`;
    finish(error);
  };
  socket.on('error', failed);
  const timer = setTimeout(
    () =>
      finish(
        Object.assign(new Error(`proxy ${proxy.display}: connect timeout`), {
          code: 'UND_ERR_CONNECT_TIMEOUT',
        }),
      ),
    timeout,
  );
}

/**
 * Reads handshake bytes from a socket: `take(n)` and `until(delimiter)` resolve with exactly those
 * bytes; `release()` stops reading and puts anything left back, for the next owner of the socket.
 */
class HandshakeReader {
  #buffer: Buffer = Buffer.alloc(0);
  #want: ((buffer: Buffer) => number) | undefined;
  #resolve: ((bytes: Buffer) => void) | undefined;
  #reject: ((error: Error) => void) | undefined;
  #failure: Error | undefined;
  readonly #socket: Socket;
  readonly #display: string;

  constructor(socket: Socket, display: string) {
    this.#socket = socket;
    this.#display = display;
    socket.on('data', this.#onData);
    socket.on('end', this.#onEnd);
    socket.on('error', this.#onError);
  }

  #onData = (chunk: Buffer): void => {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    this.#check();
  };
  #onEnd = (): void =>
    this.#fail(proxyError(`proxy ${this.#display} closed the connection during the handshake`));
  #onError = (error: Error): void => this.#fail(error);

  #fail(error: Error): void {
    this.#failure ??= error;
    const reject = this.#reject;
    this.#want = this.#resolve = this.#reject = undefined;
    reject?.(error);
  }

  #check(): void {
    if (!this.#want) return;
    const n = this.#want(this.#buffer);
    if (n < 0) return;
    const bytes = this.#buffer.subarray(0, n);
    this.#buffer = this.#buffer.subarray(n);
    const resolve = this.#resolve!;
    this.#want = this.#resolve = this.#reject = undefined;
    resolve(bytes);
  }

  #read(want: (buffer: Buffer) => number): Promise<Buffer> {
    if (this.#failure) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => {
      this.#want = want;
      this.#resolve = resolve;
      this.#reject = reject;
      this.#check();
    });
  }

  take(n: number): Promise<Buffer> {
    return this.#read((b) => (b.length >= n ? n : -1));
  }

  until(delimiter: string, max: number): Promise<Buffer> {
    return this.#read((b) => {
      const at = b.indexOf(delimiter);
      if (at !== -1) return at + delimiter.length;
      if (b.length > max) {
        queueMicrotask(() => this.#fail(proxyError(`proxy ${this.#display}: answer too long`)));
      }
      return -1;
    });
  }

  /** Bytes received past the handshake. */
  get leftover(): Buffer {
    return this.#buffer;
  }

  release(): void {
    this.#socket.pause();
    this.#socket.off('data', this.#onData);
    this.#socket.off('end', this.#onEnd);
    this.#socket.off('error', this.#onError);
    if (this.#buffer.length > 0) this.#socket.unshift(this.#buffer);
  }
}

/** CONNECT host:port, with the proxy's credentials; resolves once the proxy said 2xx and nothing more. */
async function httpConnect(socket: Socket, proxy: WireProxy, host: string, port: number): Promise<void> {
  const authority = `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
  const auth = proxy.username !== undefined ? `Proxy-Authorization: ${basic(proxy)}\r\n` : '';
  const reader = new HandshakeReader(socket, proxy.display);
  socket.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n${auth}\r\n`);
  const head = (await reader.until('\r\n\r\n', MAX_CONNECT_HEAD)).toString('latin1');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
  if (status < 200 || status > 299) {
    const shown = status === 0 ? `an unparsable answer` : `${status}`;
    throw proxyError(
      `proxy ${proxy.display} answered CONNECT ${authority} with ${shown}`,
      status || undefined,
    );
  }
  // RFC 9110 §9.3.6: a 2xx CONNECT answer has no content. Bytes before the client has spoken are not
  // the origin's (TLS and HTTP/1.1 servers wait for the client), so the tunnel is not clean.
  if (reader.leftover.length > 0 || /\r\n(content-length:\s*[1-9]|transfer-encoding:)/i.test(head))
    throw proxyError(`proxy ${proxy.display} sent a body with its CONNECT answer (${status})`, status);
  reader.release();
}

const SOCKS_REPLIES = [
  'succeeded',
  'general SOCKS server failure',
  'connection not allowed by ruleset',
  'network unreachable',
  'host unreachable',
  'connection refused',
  'TTL expired',
  'command not supported',
  'address type not supported',
];

const resolveName = (host: string): Promise<string> =>
  new Promise((resolve, reject) =>
    lookup(host, (error, address) => (error ? reject(error) : resolve(address))),
  );

/** The SOCKS5 handshake (RFC 1928, with RFC 1929 user/password auth). */
async function socks5Connect(socket: Socket, proxy: WireProxy, host: string, port: number): Promise<void> {
  const reader = new HandshakeReader(socket, proxy.display);
  const withAuth = proxy.username !== undefined;
  socket.write(Buffer.from(withAuth ? [5, 2, 0, 2] : [5, 1, 0]));
  const [version, method] = await reader.take(2);
  if (version !== 5) throw proxyError(`proxy ${proxy.display} is not a SOCKS5 proxy`);
  if (method === 2 && withAuth) {
    const user = Buffer.from(proxy.username!);
    const pass = Buffer.from(proxy.password ?? '');
    socket.write(Buffer.concat([Buffer.from([1, user.length]), user, Buffer.from([pass.length]), pass]));
    const [, status] = await reader.take(2);
    if (status !== 0) throw proxyError(`SOCKS5 proxy ${proxy.display} refused the credentials`);
  } else if (method !== 0) {
    throw proxyError(`SOCKS5 proxy ${proxy.display} accepted none of the offered auth methods`);
  }
  // socks5: the name is resolved here; socks5h: by the proxy.
  const address = isIP(host) === 0 && proxy.protocol === 'socks5:' ? await resolveName(host) : host;
  const family = isIP(address);
  const name = Buffer.from(address);
  const target =
    family === 4
      ? Buffer.from([1, ...address.split('.').map(Number)])
      : family === 6
        ? Buffer.concat([Buffer.from([4]), ipv6Bytes(address)])
        : Buffer.concat([Buffer.from([3, name.length]), name]);
  socket.write(Buffer.concat([Buffer.from([5, 1, 0]), target, Buffer.from([port >> 8, port & 0xff])]));
  const [, reply, , type] = await reader.take(4);
  if (reply !== 0)
    throw proxyError(
      `SOCKS5 proxy ${proxy.display} could not connect to ${host}:${port}: ${SOCKS_REPLIES[reply!] ?? `reply ${reply}`}`,
    );
  const length = type === 1 ? 4 : type === 4 ? 16 : (await reader.take(1))[0]!;
  await reader.take(length + 2);
  reader.release();
}

function ipv6Bytes(address: string): Buffer {
  const [head = '', tail = ''] = address.split('::');
  const words = (s: string) => (s === '' ? [] : s.split(':'));
  const h = words(head);
  const t = words(tail);
  const all = address.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
  const out = Buffer.alloc(16);
  for (let i = 0; i < 8; i++) out.writeUInt16BE(Number.parseInt(all[i] ?? '0', 16), i * 2);
  return out;
}

/** A raw socket to host:port through the proxy. */
function openTunnel(proxy: WireProxy, host: string, port: number, timeout: number, callback: Callback): void {
  openProxySocket(proxy, timeout, (error, socket) => {
    if (error || !socket) return callback(error, null);
    const timer = setTimeout(
      () => socket.destroy(proxyError(`proxy ${proxy.display}: no answer within ${timeout} ms`)),
      timeout,
    );
    const handshake = proxy.protocol.startsWith('socks')
      ? socks5Connect(socket, proxy, host, port)
      : httpConnect(socket, proxy, host, port);
    handshake.then(
      () => {
        clearTimeout(timer);
        callback(null, socket);
      },
      (failure: Error) => {
        clearTimeout(timer);
        socket.destroy();
        callback(failure, null);
      },
    );
  });
}

/**
 * An undici connector whose sockets go to the origin through `proxy`, with TLS to the origin inside
 * the tunnel on https (the key's TLS settings, ALPN `alpn`).
 */
export function tunnelConnector(
  proxy: WireProxy,
  tls: Record<string, unknown>,
  alpn: string[],
  timeout: number,
): Connector {
  return (options, cb) => {
    const callback = cb as Callback;
    const host = bare(options.hostname);
    const https = options.protocol === 'https:';
    const port = Number(options.port) || (https ? 443 : 80);
    openTunnel(proxy, host, port, timeout, (error, socket) => {
      if (error || !socket) return callback(error, null);
      if (!https) return callback(null, socket);
      const servername = (tls.servername as string | undefined) ?? (isIP(host) === 0 ? host : undefined);
      let secure: ReturnType<typeof tlsConnect>;
      try {
        secure = tlsConnect({ ...tls, socket, host, servername, ALPNProtocols: alpn });
      } catch (e) {
        // A setting OpenSSL refuses throws synchronously, here inside the tunnel's callback.
        socket.destroy();
        return callback(e as Error, null);
      }
      const fail = (e: Error) => {
        secure.destroy();
        callback(e, null);
      };
      secure.once('error', fail);
      secure.once('secureConnect', () => {
        secure.off('error', fail);
        callback(null, secure);
      });
    });
  };
}

/** Whether an exchange to `origin` through `proxy` is forwarded (absolute-form) rather than tunnelled. */
export const forwards = (origin: string, proxy: WireProxy): boolean =>
  origin.startsWith('http:') && (proxy.protocol === 'http:' || proxy.protocol === 'https:');

/**
 * A dispatcher for plain-http `origin` through an http(s) forward proxy: requests go to the proxy in
 * absolute form (`GET http://origin/path`), with Host naming the origin and Proxy-Authorization, which
 * the proxy consumes. A 407 from the proxy fails the exchange with a proxy error.
 */
export function forwardDispatcher(
  origin: string,
  proxy: WireProxy,
  wrap: Wrap,
  options: { connections: number; keepAliveTimeout: number; timeout: number },
): Pick<Dispatcher, 'dispatch'> {
  const proxyOrigin = `${proxy.protocol}//${proxy.host}:${proxy.port}`;
  const connect = wrap((_options, callback) => openProxySocket(proxy, options.timeout, callback as Callback));
  const pool = new Pool(proxyOrigin, {
    connect,
    connections: options.connections,
    keepAliveTimeout: options.keepAliveTimeout,
  });
  const host = new URL(origin).host;
  const auth = proxy.username !== undefined ? basic(proxy) : undefined;
  return {
    dispatch(opts, handler) {
      const given = (opts.headers ?? []) as string[];
      const headers = [...given];
      let hasHost = false;
      for (let i = 0; i < given.length; i += 2) if (given[i]!.toLowerCase() === 'host') hasHost = true;
      if (!hasHost) headers.push('host', host);
      if (auth) headers.push('proxy-authorization', auth);
      return pool.dispatch(
        { ...opts, origin: proxyOrigin, path: origin + opts.path, headers },
        on407(handler),
      );
    },
  };
}

type LegacyHandler = Dispatcher.DispatchHandler & {
  onConnect?(abort: (error?: Error) => void): void;
  onHeaders?(status: number, headers: Buffer[], resume: () => void, statusText: string): boolean;
};

/** The exchange's handler, except that a 407 (the proxy's, never an origin's) fails it. */
function on407(handler: LegacyHandler): Dispatcher.DispatchHandler {
  let abort: ((error?: Error) => void) | undefined;
  const h = handler as Required<LegacyHandler> & Record<string, (...args: unknown[]) => unknown>;
  return {
    onConnect(a: (error?: Error) => void) {
      abort = a;
      h.onConnect(a);
    },
    onHeaders(status: number, headers: Buffer[], resume: () => void, statusText: string) {
      if (status !== 407) return h.onHeaders(status, headers, resume, statusText);
      abort?.(proxyError('proxy answered 407 Proxy Authentication Required', 407));
      return false;
    },
    // The request written in full: the exchange's timings (undici-adapter.ts).
    onRequestSent: () => h.onRequestSent?.(),
    onData: (chunk: Buffer) => h.onData(chunk),
    onComplete: (trailers: string[] | null) => h.onComplete(trailers),
    onError: (error: Error) => h.onError(error),
  } as unknown as Dispatcher.DispatchHandler;
}
