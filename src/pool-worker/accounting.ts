/**
 * Connection accounting: per pool key, the connections it has open and the counters behind onepool's
 * statistics; per exchange, the connection it runs on and whether that connection was reused (the
 * per-response connection info, and the stale keep-alive rule, need both).
 *
 * Which HTTP/1.1 socket an exchange runs on is learned from undici's diagnostics channel
 * `undici:client:sendHeaders`, published synchronously right after the handler's onConnect, so the
 * exchange that just connected is the one whose headers are being sent.
 */
import { subscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import { debugPool } from '../core/debug-log.js';
import type { WireConnection } from '../core/protocol.js';
import type { KeyStats } from '../core/stats.js';
import type { ConnectMarks } from '../core/timings.js';
import { takeConnectMarks } from './connect.js';
import type { ExchangeTimer } from './exchange-timer.js';

/** One connection as the pool sees it. */
export interface Connection {
  readonly id: number;
  readonly protocol: 'h1' | 'h2';
  readonly entry: KeyAccount;
  /** exchanges started on it so far */
  uses: number;
  /** exchanges on it now */
  inflight: number;
  /** closes it now (used only on idle connections) */
  close(): void;
  /** how it was set up, until its first exchange has taken it (its timings' connect phases) */
  connect: ConnectMarks | undefined;
}

/** What the pool needs from an exchange to account for it. */
export interface Tracked {
  connection: Connection | undefined;
  /** whether an earlier exchange had used `connection` when this one started on it */
  reused: boolean;
  /** notes when the exchange got its connection (its timings) */
  readonly timer?: ExchangeTimer;
}

/** An exchange of a key, in its queue until it starts on a connection; a closing pool fails those still queued. */
export interface Queued extends Tracked {
  poolClosed(): void;
}

/** Told when a connection has nothing in flight any more: it may be closed to make room (limits.ts). */
interface RoomCheck {
  scheduleRoomCheck(): void;
}

/** One pool key's connections and counters. */
export class KeyAccount {
  readonly key: string;
  readonly origin: string;
  readonly connections = new Set<Connection>();
  protocol: 'h1' | 'h2' | null = null;
  queued = 0;
  /** the exchanges counted in `queued` */
  readonly waiting = new Set<Queued>();
  running = 0;
  opened = 0;
  closedIdle = 0;
  reused = 0;
  exchanges = 0;
  replayed = 0;
  readonly #room: RoomCheck;
  readonly #closing = new WeakSet<Connection>();

  constructor(key: string, origin: string, room: RoomCheck) {
    this.key = key;
    this.origin = origin;
    this.#room = room;
  }

  isClosing(c: Connection): boolean {
    return this.#closing.has(c);
  }
  markClosing(c: Connection): void {
    this.#closing.add(c);
  }

  /** Registers a connection made of `socket`; `close` is how the pool evicts it when idle. */
  track(protocol: 'h1' | 'h2', socket: Socket, close: () => void): Connection {
    const connection: Connection = {
      id: ++lastConnectionId,
      protocol,
      entry: this,
      uses: 0,
      inflight: 0,
      close,
      connect: takeConnectMarks(socket),
    };
    this.connections.add(connection);
    this.opened++;
    debugPool('connection %d opened: %s %s', connection.id, protocol, this.origin);
    this.protocol = protocol;
    return connection;
  }

  /** Unregisters a closed connection. */
  untrack(connection: Connection): void {
    if (!this.connections.delete(connection)) return;
    if (connection.inflight === 0) this.closedIdle++;
    debugPool(
      'connection %d closed: %s %s after %d exchanges%s',
      connection.id,
      connection.protocol,
      this.origin,
      connection.uses,
      connection.inflight === 0 ? '' : `, ${connection.inflight} in flight`,
    );
  }

  adoptH1(socket: Socket, release: () => void): void {
    const connection = this.track('h1', socket, () => socket.destroy());
    sockets.set(socket, connection);
    socket.once('close', () => {
      this.untrack(connection);
      release();
    });
  }

  /** A connection of this key has nothing in flight. */
  idled(): void {
    this.#room.scheduleRoomCheck();
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
  entry.waiting.delete(tracked as Queued);
  entry.running++;
  tracked.reused = connection.uses++ > 0;
  if (tracked.reused) entry.reused++;
  connection.inflight++;
  // The first exchange on a new connection waited for its setup: that is its dns, tcp and tls.
  tracked.timer?.connected(tracked.reused ? undefined : connection.connect);
  connection.connect = undefined;
}

/** Accounts for `tracked` leaving its connection unanswered, to be replayed on another. */
export function detach(tracked: Tracked): void {
  const connection = tracked.connection;
  if (!connection) return;
  tracked.connection = undefined;
  connection.inflight--;
  connection.entry.running--;
  connection.entry.queued++;
  connection.entry.waiting.add(tracked as Queued);
}

/** Accounts for an exchange handed to `entry`'s dispatcher. */
export function started(entry: KeyAccount, exchange: Queued): void {
  entry.queued++;
  entry.waiting.add(exchange);
}

/** Accounts for an exchange that finished (response or error), on a connection or still queued. */
export function finished(entry: KeyAccount, tracked: Tracked): void {
  entry.exchanges++;
  const connection = tracked.connection;
  if (connection) {
    entry.running--;
    connection.inflight--;
    if (connection.inflight === 0) entry.idled();
  } else {
    entry.queued--;
    entry.waiting.delete(tracked as Queued);
  }
}

export function connectionInfo(tracked: Tracked): WireConnection {
  const connection = tracked.connection;
  if (!connection) return { id: 0, reused: false, protocol: 'h1' };
  return { id: connection.id, reused: tracked.reused, protocol: connection.protocol };
}
