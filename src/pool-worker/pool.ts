/**
 * The pool: one undici dispatcher per pool key (origin + transport configuration), and the
 * bookkeeping that turns undici's connections into onepool's statistics and per-response
 * connection info. Runs in the pool worker only.
 *
 * Which socket an exchange runs on is learned from undici's diagnostics channel
 * `undici:client:sendHeaders`, published synchronously right after the handler's onConnect (in
 * both the HTTP/1.1 and the HTTP/2 writer), so the exchange that just connected is the one whose
 * headers are being sent.
 */
import { subscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import { Agent, buildConnector, type Dispatcher } from 'undici';
import type { WireConnection } from '../core/protocol.js';
import type { WireProxy } from '../core/proxy.js';
import { type Counters, type KeyStats, type PoolStats, zeroCounters } from '../core/stats.js';
import type { TransportConfig } from '../core/transport-key.js';
import { forwardDispatcher, forwards, tunnelConnector } from './proxy.js';

/** One connection as the pool sees it. */
export interface Connection {
  readonly id: number;
  readonly protocol: 'h1' | 'h2';
  readonly entry: KeyEntry;
  /** exchanges started on it so far */
  uses: number;
  /** exchanges on it now */
  inflight: number;
}

/** What the pool needs from an exchange to account for it. */
export interface Tracked {
  connection: Connection | undefined;
  /** whether an earlier exchange had used `connection` when this one started on it */
  reused: boolean;
}

export const POOL_DEFAULTS = {
  /** connections per key (per origin and configuration) for HTTP/1.1 */
  connections: 16,
  /** how long an idle connection is kept, unless the server's Keep-Alive hint says less */
  keepAliveTimeout: 4_000,
  /** undici's own connect timeout; the per-exchange timeout.connect is enforced by the exchange */
  connectorTimeout: 60_000,
} as const;

export class KeyEntry {
  readonly key: string;
  readonly origin: string;
  readonly dispatcher: Pick<Dispatcher, 'dispatch'>;
  readonly connections = new Set<Connection>();
  protocol: 'h1' | 'h2' | null = null;
  queued = 0;
  running = 0;
  opened = 0;
  reused = 0;
  exchanges = 0;

  constructor(key: string, origin: string, transport: TransportConfig | undefined, proxy?: WireProxy) {
    this.key = key;
    this.origin = origin;
    const wrap =
      (base: buildConnector.connector): buildConnector.connector =>
      (options, callback) =>
        base(options, (error, socket) => {
          if (socket) this.#adopt(socket as Socket);
          // undici's connector callback is typed as a union of two signatures
          (callback as (e: Error | null, s: unknown) => void)(error, socket);
        });
    const timeout = POOL_DEFAULTS.connectorTimeout;
    if (proxy && forwards(origin, proxy)) {
      this.dispatcher = forwardDispatcher(origin, proxy, wrap, { ...POOL_DEFAULTS, timeout });
      return;
    }
    const tls = transport?.tls ?? {};
    const base = proxy
      ? tunnelConnector(proxy, tls, ['h2', 'http/1.1'], timeout)
      : buildConnector({ ...tls, timeout });
    const connect = wrap(base);
    this.dispatcher = new Agent({
      connect,
      connections: POOL_DEFAULTS.connections,
      keepAliveTimeout: POOL_DEFAULTS.keepAliveTimeout,
    });
  }

  #adopt(socket: Socket): void {
    const protocol =
      (socket as Socket & { alpnProtocol?: string | false }).alpnProtocol === 'h2' ? 'h2' : 'h1';
    const connection: Connection = { id: ++lastConnectionId, protocol, entry: this, uses: 0, inflight: 0 };
    this.connections.add(connection);
    this.opened++;
    this.protocol = protocol;
    sockets.set(socket, connection);
    socket.once('close', () => this.connections.delete(connection));
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
      reused: this.reused,
      exchanges: this.exchanges,
    };
  }
}

let lastConnectionId = 0;
const sockets = new WeakMap<object, Connection>();
const entries = new Map<string, KeyEntry>();

/** The exchange whose onConnect ran last; its headers are the next ones published. */
let connecting: Tracked | undefined;

subscribe('undici:client:sendHeaders', (message) => {
  const tracked = connecting;
  connecting = undefined;
  if (!tracked) return;
  const connection = sockets.get((message as { socket: object }).socket);
  if (connection) attach(tracked, connection);
});

/** Records that `tracked` is about to send its headers (called from its onConnect). */
export function connectingNow(tracked: Tracked): void {
  connecting = tracked;
}

function attach(tracked: Tracked, connection: Connection): void {
  tracked.connection = connection;
  const entry = connection.entry;
  entry.queued--;
  entry.running++;
  tracked.reused = connection.uses++ > 0;
  if (tracked.reused) entry.reused++;
  connection.inflight++;
}

/** The dispatcher for a pool key, created on first use. */
export function entryFor(
  key: string,
  origin: string,
  transport: TransportConfig | undefined,
  proxy?: WireProxy,
): KeyEntry {
  let entry = entries.get(key);
  if (!entry) {
    entry = new KeyEntry(key, origin, transport, proxy);
    entries.set(key, entry);
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
  } else {
    entry.queued--;
  }
}

export function connectionInfo(tracked: Tracked): WireConnection {
  const connection = tracked.connection;
  if (!connection) return { id: 0, reused: false, protocol: 'h1' };
  return { id: connection.id, reused: tracked.reused, protocol: connection.protocol };
}

export function poolStats(): PoolStats {
  const keys = [...entries.values()].map((e) => e.stats());
  const totals: Counters = zeroCounters();
  for (const k of keys) for (const name of Object.keys(totals) as (keyof Counters)[]) totals[name] += k[name];
  return { totals, keys };
}
