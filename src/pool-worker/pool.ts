/**
 * The pool: per pool key (pool id + origin + transport configuration) one dispatcher, and the
 * bookkeeping that turns connections into onepool's statistics and per-response connection info.
 * Runs in the pool worker only.
 *
 * Protocols. An https key starts by opening one socket itself with ALPN `h2, http/1.1`. If the
 * server picks h2, the key runs on node:http2 (h2.ts); otherwise on an undici Pool restricted to
 * HTTP/1.1 (pipelining 1), which is handed that first socket. Why not undici's own HTTP/2: in
 * undici 7 a GOAWAY fails every in-flight stream (even those the server will finish), the peer's
 * SETTINGS_MAX_CONCURRENT_STREAMS is not gated on, REFUSED_STREAM is not replayed and `pipelining`
 * is one number for both protocols (README, "The pool", design notes).
 *
 * Limits. Every connection of a pool holds one slot while it is connecting or open; under
 * `maxConnections` a connection that finds no slot waits in a FIFO queue, and idle connections (of
 * any key) are closed to make room. Busy connections are never closed.
 *
 * Which HTTP/1.1 socket an exchange runs on is learned from undici's diagnostics channel
 * `undici:client:sendHeaders`, published synchronously right after the handler's onConnect, so the
 * exchange that just connected is the one whose headers are being sent.
 */
import { subscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import type { Dispatcher } from 'undici';
import { POOL_OPTION_DEFAULTS, type ResolvedPoolOptions } from '../core/pool-options.js';
import type { WireConnection } from '../core/protocol.js';
import type { WireProxy } from '../core/proxy.js';
import { type Counters, type KeyStats, type PoolStats, zeroCounters } from '../core/stats.js';
import type { TransportConfig } from '../core/transport-key.js';
import { openSocket, SOCKET_CONNECT_TIMEOUT, tlsOptions } from './connect.js';
import { H2Origin } from './h2.js';
import { forwardDispatcher, forwards, tunnelConnector } from './proxy.js';
import { buildConnector, type Connector, Pool } from './undici.js';

/** One connection as the pool sees it. */
export interface Connection {
  readonly id: number;
  readonly protocol: 'h1' | 'h2';
  readonly entry: KeyEntry;
  /** exchanges started on it so far */
  uses: number;
  /** exchanges on it now */
  inflight: number;
  /** closes it now (used only on idle connections) */
  close(): void;
}

/** What the pool needs from an exchange to account for it. */
export interface Tracked {
  connection: Connection | undefined;
  /** whether an earlier exchange had used `connection` when this one started on it */
  reused: boolean;
}

/** An exchange's handler as the dispatchers drive it: undici's callback form, plus accounting. */
export type Handler = Dispatcher.DispatchHandler & Tracked;

export const poolError = (code: string, message: string): Error =>
  Object.assign(new Error(message), { code });

interface Waiter {
  grant: (release: () => void) => void;
  fail: (error: Error) => void;
  timer: NodeJS.Timeout | undefined;
}

/** One pool: the process-wide one (id 0) or a private one from createPool. */
export class PoolState {
  readonly id: number;
  options: ResolvedPoolOptions;
  readonly entries = new Map<string, KeyEntry>();
  /** connections connecting or open, each holding one slot */
  slots = 0;
  readonly #waiters: Waiter[] = [];
  #roomCheck = false;

  constructor(id: number, options: ResolvedPoolOptions) {
    this.id = id;
    this.options = options;
  }

  /** Calls `grant` with a slot now, or later in FIFO order under the cap, or `fail` after poolTimeout. */
  acquire(grant: (release: () => void) => void, fail: (error: Error) => void): void {
    const cap = this.options.maxConnections;
    if (cap === 0 || this.slots < cap) {
      this.slots++;
      grant(this.#releaser());
      return;
    }
    const waiter: Waiter = { grant, fail, timer: undefined };
    const ms = this.options.poolTimeout;
    if (ms > 0) {
      waiter.timer = setTimeout(() => {
        const at = this.#waiters.indexOf(waiter);
        if (at !== -1) this.#waiters.splice(at, 1);
        fail(
          poolError('ONEPOOL_ERR_POOL_TIMEOUT', `no connection slot within ${ms} ms (maxConnections ${cap})`),
        );
      }, ms);
    }
    this.#waiters.push(waiter);
    this.scheduleRoomCheck();
  }

  #releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.slots--;
      this.#grantWaiters();
    };
  }

  #grantWaiters(): void {
    const cap = this.options.maxConnections;
    while (this.#waiters.length > 0 && (cap === 0 || this.slots < cap)) {
      const waiter = this.#waiters.shift()!;
      clearTimeout(waiter.timer);
      this.slots++;
      waiter.grant(this.#releaser());
    }
  }

  /**
   * Soon (after undici has had the chance to give a just-freed connection its next request),
   * closes idle connections while connections wait for a slot.
   */
  scheduleRoomCheck(): void {
    if (this.#roomCheck || this.#waiters.length === 0) return;
    this.#roomCheck = true;
    setImmediate(() => {
      this.#roomCheck = false;
      this.#makeRoom();
    });
  }

  #makeRoom(): void {
    let needed = this.#waiters.length;
    if (needed === 0) return;
    // Idle connections of keys with nothing queued first: they are the least likely to be wanted soon.
    const idle: Connection[] = [];
    const idleButWanted: Connection[] = [];
    for (const entry of this.entries.values()) {
      for (const c of entry.connections) {
        if (c.inflight === 0 && !entry.isClosing(c)) (entry.queued === 0 ? idle : idleButWanted).push(c);
      }
    }
    for (const c of [...idle, ...idleButWanted]) {
      if (needed-- === 0) break;
      c.entry.markClosing(c);
      c.close();
    }
  }

  configure(options: ResolvedPoolOptions): void {
    const previous = this.options;
    this.options = options;
    const undiciChanged =
      previous.connectionsPerOrigin !== options.connectionsPerOrigin ||
      previous.keepAliveTimeout !== options.keepAliveTimeout;
    for (const entry of this.entries.values()) entry.reconfigure(undiciChanged);
    this.#grantWaiters();
  }

  /** Closes every connection: idle ones now, busy ones once their exchanges end. Pending waiters fail. */
  async close(): Promise<void> {
    for (const waiter of this.#waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.fail(poolError('ONEPOOL_ERR_POOL_CLOSED', 'the pool was closed'));
    }
    await Promise.all([...this.entries.values()].map((e) => e.close()));
  }

  stats(): PoolStats {
    const keys = [...this.entries.values()].map((e) => e.stats());
    const totals: Counters = zeroCounters();
    for (const k of keys)
      for (const name of Object.keys(totals) as (keyof Counters)[]) totals[name] += k[name];
    return { pool: this.id, totals, keys };
  }
}

interface Parked {
  options: Dispatcher.DispatchOptions;
  handler: Handler;
}

export class KeyEntry {
  readonly key: string;
  readonly origin: string;
  readonly url: URL;
  readonly pool: PoolState;
  readonly transport: TransportConfig | undefined;
  /** the proxy of this key; undefined for direct connections */
  readonly proxy: WireProxy | undefined;
  #forward: Pick<Dispatcher, 'dispatch'> | undefined;
  readonly connections = new Set<Connection>();
  /** 'probe': an https key whose protocol the server has not told yet */
  mode: 'probe' | 'h1' | 'h2';
  protocol: 'h1' | 'h2' | null = null;
  queued = 0;
  running = 0;
  opened = 0;
  closedIdle = 0;
  reused = 0;
  exchanges = 0;
  replayed = 0;
  #h1: Pool | undefined;
  #h2: H2Origin | undefined;
  /** exchanges waiting for the first connection's ALPN answer */
  #parked: Parked[] = [];
  #probing = false;
  /** the probe's socket when the server chose HTTP/1.1, handed to undici's first connect */
  #spare: Socket | undefined;
  readonly #closing = new WeakSet<Connection>();

  constructor(
    key: string,
    origin: string,
    transport: TransportConfig | undefined,
    pool: PoolState,
    proxy?: WireProxy,
  ) {
    this.key = key;
    this.origin = origin;
    this.url = new URL(origin);
    this.pool = pool;
    this.transport = transport;
    this.proxy = proxy;
    const http2 = transport?.http2 ?? true;
    if (http2 === 'prior-knowledge') this.mode = 'h2';
    else if (http2 === false || this.url.protocol === 'http:') this.mode = 'h1';
    else this.mode = 'probe';
  }

  dispatch(options: Dispatcher.DispatchOptions, handler: Handler): void {
    if (this.proxy && forwards(this.origin, this.proxy))
      return void this.#forwarder().dispatch(options, handler);
    if (this.mode === 'h1') this.#undici().dispatch(options, handler);
    else if (this.mode === 'h2') this.#http2().dispatch(options, handler);
    else {
      this.#parked.push({ options, handler });
      this.#probe();
    }
  }

  isClosing(c: Connection): boolean {
    return this.#closing.has(c);
  }
  markClosing(c: Connection): void {
    this.#closing.add(c);
  }

  #probe(): void {
    if (this.#probing) return;
    this.#probing = true;
    const failParked = (error: Error) => {
      this.#probing = false;
      for (const { handler } of this.#parked.splice(0)) handler.onError?.(error);
    };
    this.pool.acquire((release) => {
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
        for (const { options, handler } of this.#parked.splice(0)) this.dispatch(options, handler);
      });
    }, failParked);
  }

  /** A socket to the origin (through the key's proxy when it has one), TLS done, ALPN offered. */
  openSocket(alpn: string[], callback: (error: Error | null, socket?: Socket) => void): void {
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

  /**
   * A connector whose sockets hold a slot of the pool's connection cap while they are open (waiting
   * for one under maxConnections), and are adopted as HTTP/1.1 connections of this key.
   */
  #adopting(base: Connector): Connector {
    return (options, callback) => {
      const cb = callback as (e: Error | null, s: Socket | null) => void;
      this.pool.acquire(
        (release) =>
          base(options, (error, socket) => {
            if (error || !socket) {
              release();
              return cb(error ?? new Error('no socket'), null);
            }
            this.adoptH1(socket as Socket, release);
            cb(null, socket as Socket);
          }),
        (error) => cb(error, null),
      );
    };
  }

  /** Plain-http exchanges through an http(s) proxy: absolute-form requests on connections to the proxy. */
  #forwarder(): Pick<Dispatcher, 'dispatch'> {
    if (this.#forward) return this.#forward;
    const { connectionsPerOrigin, keepAliveTimeout } = this.pool.options;
    this.#forward = forwardDispatcher(this.origin, this.proxy!, (base) => this.#adopting(base), {
      connections: connectionsPerOrigin,
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
    const adopting = this.#adopting(
      localAddress ? (options, callback) => base({ ...options, localAddress }, callback) : base,
    );
    const connect: Connector = (options, callback) => {
      const spare = this.#spare;
      this.#spare = undefined;
      // Asynchronously, as undici expects of a connector (it is called from inside undici's resume loop).
      if (spare && !spare.destroyed)
        return process.nextTick(callback as (e: null, s: Socket) => void, null, spare);
      adopting(options, callback);
    };
    const { connectionsPerOrigin, keepAliveTimeout } = this.pool.options;
    this.#h1 = new Pool(this.origin, {
      connect,
      connections: connectionsPerOrigin,
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

  /** Registers a connection; `close` is how the pool evicts it when idle. */
  track(protocol: 'h1' | 'h2', close: () => void): Connection {
    const connection: Connection = {
      id: ++lastConnectionId,
      protocol,
      entry: this,
      uses: 0,
      inflight: 0,
      close,
    };
    this.connections.add(connection);
    this.opened++;
    this.protocol = protocol;
    return connection;
  }

  /** Unregisters a closed connection. */
  untrack(connection: Connection): void {
    if (!this.connections.delete(connection)) return;
    if (connection.inflight === 0) this.closedIdle++;
  }

  adoptH1(socket: Socket, release: () => void): void {
    const connection = this.track('h1', () => socket.destroy());
    sockets.set(socket, connection);
    socket.once('close', () => {
      this.untrack(connection);
      release();
    });
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
    this.#spare?.destroy();
    await Promise.all([this.#h1?.close().catch(() => {}), this.#h2?.close()]);
  }

  stats(): KeyStats {
    let busy = 0;
    for (const c of this.connections) if (c.inflight > 0) busy++;
    const open = this.connections.size;
    return {
      key: this.key,
      origin: this.origin,
      protocol: this.protocol,
      open,
      busy,
      idle: open - busy,
      running: this.running,
      queued: this.queued,
      opened: this.opened,
      closedIdle: this.closedIdle,
      reused: this.reused,
      exchanges: this.exchanges,
      replayed: this.replayed,
    };
  }
}

let lastConnectionId = 0;
const sockets = new WeakMap<object, Connection>();
const pools = new Map<number, PoolState>([[0, new PoolState(0, POOL_OPTION_DEFAULTS)]]);

/** The exchange whose onConnect ran last; its headers are the next ones published. */
let connecting: Tracked | undefined;

subscribe('undici:client:sendHeaders', (message) => {
  const tracked = connecting;
  connecting = undefined;
  if (!tracked) return;
  const connection = sockets.get((message as { socket: object }).socket);
  if (connection) attach(tracked, connection);
});

/** Records that `tracked` is about to send its headers on undici (called from its onConnect). */
export function connectingNow(tracked: Tracked): void {
  connecting = tracked;
}

/** Accounts for `tracked` starting on `connection`. */
export function attach(tracked: Tracked, connection: Connection): void {
  if (connecting === tracked) connecting = undefined;
  tracked.connection = connection;
  const entry = connection.entry;
  entry.queued--;
  entry.running++;
  tracked.reused = connection.uses++ > 0;
  if (tracked.reused) entry.reused++;
  connection.inflight++;
}

/** Accounts for `tracked` leaving its connection unanswered, to be replayed on another. */
export function detach(tracked: Tracked): void {
  const connection = tracked.connection;
  if (!connection) return;
  tracked.connection = undefined;
  connection.inflight--;
  connection.entry.running--;
  connection.entry.queued++;
}

/** A pool by id; undefined for a private pool that was never configured or was closed. */
export function poolById(id: number): PoolState | undefined {
  return pools.get(id);
}

/** Sets a pool's policy, creating a private pool on first sight. */
export function configurePool(id: number, options: ResolvedPoolOptions): void {
  const pool = pools.get(id);
  if (pool) pool.configure(options);
  else pools.set(id, new PoolState(id, options));
}

/** Closes a private pool and forgets it. */
export async function closePool(id: number): Promise<void> {
  const pool = pools.get(id);
  if (!pool || id === 0) return;
  pools.delete(id);
  await pool.close();
}

/** The dispatcher for a pool key, created on first use. */
export function entryFor(
  pool: PoolState,
  key: string,
  origin: string,
  transport: TransportConfig | undefined,
  proxy?: WireProxy,
): KeyEntry {
  let entry = pool.entries.get(key);
  if (!entry) {
    entry = new KeyEntry(key, origin, transport, pool, proxy);
    pool.entries.set(key, entry);
  }
  return entry;
}

/** Accounts for an exchange handed to `entry`'s dispatcher. */
export function started(entry: KeyEntry): void {
  entry.queued++;
}

/** Accounts for an exchange that finished (response or error), on a connection or still queued. */
export function finished(entry: KeyEntry, tracked: Tracked): void {
  entry.exchanges++;
  const connection = tracked.connection;
  if (connection) {
    entry.running--;
    connection.inflight--;
    if (connection.inflight === 0) entry.pool.scheduleRoomCheck();
  } else {
    entry.queued--;
  }
}

export function connectionInfo(tracked: Tracked): WireConnection {
  const connection = tracked.connection;
  if (!connection) return { id: 0, reused: false, protocol: 'h1' };
  return { id: connection.id, reused: tracked.reused, protocol: connection.protocol };
}

export function poolStats(id = 0): PoolStats {
  return pools.get(id)?.stats() ?? { pool: id, totals: zeroCounters(), keys: [] };
}
