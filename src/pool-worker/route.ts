/**
 * Routing for one pool key (pool id + origin + transport configuration): which protocol and which
 * dispatcher carry its exchanges. Runs in the pool worker only.
 *
 * Protocols. An https key starts by opening one socket itself with ALPN `h2, http/1.1`. If the
 * server picks h2, the key runs on node:http2 (h2.ts); otherwise on an undici Pool restricted to
 * HTTP/1.1 (pipelining 1), which is handed that first socket. Why not undici's own HTTP/2: in
 * undici 7 a GOAWAY fails every in-flight stream (even those the server will finish), the peer's
 * SETTINGS_MAX_CONCURRENT_STREAMS is not gated on, REFUSED_STREAM is not replayed and `pipelining`
 * is one number for both protocols (README, "The pool", design notes).
 *
 * Every connection a key opens first takes a slot of its pool (limits.ts), and is counted by the
 * key's accounting (accounting.ts), which this class extends.
 */
import { Socket } from 'node:net';
import type { Dispatcher } from 'undici';
import type { WireProxy } from '../core/proxy.js';
import type { TransportConfig } from '../core/transport-key.js';
import { KeyAccount } from './accounting.js';
import { connectedAsWhole, openSocket, SOCKET_CONNECT_TIMEOUT, timeConnect, tlsOptions } from './connect.js';
import type { Driver, OutgoingRequest } from './dispatch.js';
import { H2Origin } from './h2.js';
import { connectionsPerKey, type LimitedPool } from './limits.js';
import { forwardDispatcher, forwards, tunnelConnector } from './proxy.js';
import type { ExchangeSink } from './sink.js';
import { watchTLSRefusal } from './tls-refusal.js';
import { buildConnector, type Connector, Pool } from './undici.js';
import { UndiciHandler, undiciOptions } from './undici-adapter.js';

interface Parked {
  request: OutgoingRequest;
  sink: ExchangeSink;
}

/** Module-level, so that a connection going idle schedules no closure of its own. */
const takenBack = (entry: KeyEntry): void => entry.takenBack();

export class KeyEntry extends KeyAccount implements Driver {
  readonly url: URL;
  readonly pool: LimitedPool;
  readonly transport: TransportConfig | undefined;
  /** the proxy of this key; undefined for direct connections */
  readonly proxy: WireProxy | undefined;
  #forward: Pick<Dispatcher, 'dispatch'> | undefined;
  /** 'probe': an https key whose protocol the server has not told yet */
  mode: 'probe' | 'h1' | 'h2';
  #h1: Pool | undefined;
  #h2: H2Origin | undefined;
  /** exchanges waiting for the first connection's ALPN answer */
  #parked: Parked[] = [];
  #probing = false;
  /** the probe's socket when the server chose HTTP/1.1, handed to undici's first connect */
  #spare: Socket | undefined;
  /**
   * An HTTP/1.1 connection of this key went idle in this event-loop turn. undici hands such a
   * connection to a new exchange only from the next check phase (it waits a turn for servers that
   * close after promising keep-alive), so an exchange dispatched before then (the next request of a
   * caller that answered at once, in the same poll phase) would open a second connection.
   */
  #freedThisTurn = false;
  /** exchanges held until undici has taken the freed connection back */
  #deferred: Parked[] = [];

  constructor(
    key: string,
    origin: string,
    transport: TransportConfig | undefined,
    pool: LimitedPool,
    proxy?: WireProxy,
  ) {
    super(key, origin, pool.limits);
    this.url = new URL(origin);
    this.pool = pool;
    this.transport = transport;
    this.proxy = proxy;
    const http2 = transport?.http2 ?? true;
    if (http2 === 'prior-knowledge') this.mode = 'h2';
    else if (http2 === false || this.url.protocol === 'http:') this.mode = 'h1';
    else this.mode = 'probe';
  }

  override idled(): void {
    super.idled();
    if (this.#freedThisTurn || this.mode === 'h2') return;
    this.#freedThisTurn = true;
    setImmediate(takenBack, this);
  }

  /** undici has taken this turn's freed connection back: exchanges dispatch at once again. */
  takenBack(): void {
    this.#freedThisTurn = false;
  }

  dispatch(request: OutgoingRequest, sink: ExchangeSink): void {
    if (this.#freedThisTurn) {
      // Scheduled now, so after undici's own resume of the freed connection (immediates run in order).
      if (this.#deferred.push({ request, sink }) === 1)
        setImmediate(() => {
          for (const held of this.#deferred.splice(0)) this.dispatch(held.request, held.sink);
        });
      return;
    }
    if (this.proxy && forwards(this.origin, this.proxy))
      return void this.#forwarder().dispatch(undiciOptions(request), new UndiciHandler(sink));
    if (this.mode === 'h1') this.#undici().dispatch(undiciOptions(request), new UndiciHandler(sink));
    else if (this.mode === 'h2') this.#http2().dispatch(request, sink);
    else {
      this.#parked.push({ request, sink });
      this.#probe();
    }
  }

  #probe(): void {
    if (this.#probing) return;
    this.#probing = true;
    const failParked = (error: Error) => {
      this.#probing = false;
      for (const { sink } of this.#parked.splice(0)) sink.error(error);
    };
    this.pool.limits.acquire((release) => {
      this.openSocket(['h2', 'http/1.1'], (error, socket) => {
        if (error || !socket) {
          release();
          return failParked(error ?? new Error('no socket'));
        }
        this.#probing = false;
        if ((socket as Socket & { alpnProtocol?: string | false }).alpnProtocol === 'h2') {
          this.mode = 'h2';
          this.#http2().adopt(socket, release);
        } else {
          this.mode = 'h1';
          this.adoptH1(socket, release);
          this.#spare = socket;
          // Not taken by undici (every parked exchange was cancelled): closed like any idle connection.
          setTimeout(() => {
            if (this.#spare === socket) {
              this.#spare = undefined;
              socket.destroy();
            }
          }, this.pool.options.keepAliveTimeout).unref();
        }
        for (const { request, sink } of this.#parked.splice(0)) this.dispatch(request, sink);
      });
    }, failParked);
  }

  /** A socket to the origin (through the key's proxy when it has one), TLS done, ALPN offered. */
  openSocket(alpn: string[], done: (error: Error | null, socket?: Socket) => void): void {
    const start = performance.now();
    const callback = (error: Error | null, socket?: Socket) => {
      if (socket) {
        // A direct socket has its setup timed phase by phase (connect.ts); a tunnel's, only as a whole.
        connectedAsWhole(socket, start);
        this.#watch(socket);
      }
      done(error, socket);
    };
    if (!this.proxy) {
      openSocket(this.url, this.transport, alpn, callback);
      return;
    }
    const connect = tunnelConnector(this.proxy, tlsOptions(this.transport), alpn, SOCKET_CONNECT_TIMEOUT);
    const { hostname, protocol, port } = this.url;
    connect(
      { hostname, host: this.url.host, protocol, port, servername: undefined } as never,
      ((error: Error | null, socket: Socket | null) => callback(error, socket ?? undefined)) as never,
    );
  }

  /** A TLS connection to the origin: a refused client certificate is reported as the TLS error it is. */
  #watch(socket: Socket): void {
    watchTLSRefusal(socket, this.transport?.tls.cert !== undefined);
  }

  /**
   * A connector whose sockets hold a slot of the pool's connection cap while they are open (waiting
   * for one under maxConnections), and are adopted as HTTP/1.1 connections of this key.
   */
  #adopting(base: Connector): Connector {
    return (options, callback) => {
      const cb = callback as (e: Error | null, s: Socket | null) => void;
      this.pool.limits.acquire(
        (release) => {
          const start = performance.now();
          try {
            base(options, (error, socket) => {
              if (error || !socket) {
                release();
                return cb(error ?? new Error('no socket'), null);
              }
              // Timed phase by phase when the connector let us see the socket early (#undici), else as a whole.
              connectedAsWhole(socket as Socket, start);
              this.adoptH1(socket as Socket, release);
              cb(null, socket as Socket);
            });
          } catch (error) {
            // A connector that throws (a setting OpenSSL refuses) must still give its slot back.
            release();
            cb(error as Error, null);
          }
        },
        (error) => cb(error, null),
      );
    };
  }

  /** Plain-http exchanges through an http(s) proxy: absolute-form requests on connections to the proxy. */
  #forwarder(): Pick<Dispatcher, 'dispatch'> {
    if (this.#forward) return this.#forward;
    const { keepAliveTimeout } = this.pool.options;
    this.#forward = forwardDispatcher(this.origin, this.proxy!, (base) => this.#adopting(base), {
      connections: connectionsPerKey(this.pool.options),
      keepAliveTimeout,
      timeout: SOCKET_CONNECT_TIMEOUT,
    });
    return this.#forward;
  }

  #undici(): Pool {
    if (this.#h1) return this.#h1;
    const base = this.proxy
      ? tunnelConnector(this.proxy, tlsOptions(this.transport), ['http/1.1'], SOCKET_CONNECT_TIMEOUT)
      : buildConnector({ ...tlsOptions(this.transport), timeout: SOCKET_CONNECT_TIMEOUT });
    const localAddress = this.transport?.localAddress;
    const watched: Connector = (options, callback) => {
      const start = performance.now();
      // undici's connector returns the socket it makes (its types say void): its setup is timed as it goes.
      const made = base(localAddress ? { ...options, localAddress } : options, (error, socket) => {
        if (socket) this.#watch(socket as Socket);
        (callback as (e: Error | null, s: unknown) => void)(error, socket);
      }) as unknown;
      if (made instanceof Socket) timeConnect(made, start);
    };
    const adopting = this.#adopting(watched);
    const connect: Connector = (options, callback) => {
      const spare = this.#spare;
      this.#spare = undefined;
      // Asynchronously, as undici expects of a connector (it is called from inside undici's resume loop).
      if (spare && !spare.destroyed)
        return process.nextTick(callback as (e: null, s: Socket) => void, null, spare);
      adopting(options, callback);
    };
    const { keepAliveTimeout } = this.pool.options;
    this.#h1 = new Pool(this.origin, {
      connect,
      connections: connectionsPerKey(this.pool.options),
      pipelining: 1,
      keepAliveTimeout,
      // A server's Keep-Alive hint may shorten the idle time, never lengthen it past ours.
      keepAliveMaxTimeout: keepAliveTimeout,
    });
    return this.#h1;
  }

  #http2(): H2Origin {
    this.#h2 ??= new H2Origin(this);
    return this.#h2;
  }

  /** New undici settings apply to new exchanges; the old dispatcher finishes its own and closes. */
  reconfigure(undiciChanged: boolean): void {
    if (undiciChanged && this.#h1) {
      this.#h1.close().catch(() => {});
      this.#h1 = undefined;
    }
    this.#h2?.pump();
  }

  async close(): Promise<void> {
    // Exchanges still queued in a dispatcher (undici's close would let them run) fail now.
    for (const exchange of [...this.waiting]) exchange.poolClosed();
    this.#spare?.destroy();
    await Promise.all([this.#h1?.close().catch(() => {}), this.#h2?.close()]);
  }
}
