/**
 * A pool's connection limit. Every connection of a pool holds one slot while it is connecting or
 * open; under `maxConnections` a connection that finds no slot waits in a FIFO queue (failing after
 * `poolTimeout`), and idle connections are closed to make room. Busy connections are never closed.
 * A key's exchanges queue in its dispatcher, not here (connectionsPerKey), so a freed connection goes
 * to the key's next exchange first and only idle ones are left for other keys.
 */
import type { ResolvedPoolOptions } from '../core/pool-options.js';
import type { Connection, KeyAccount } from './accounting.js';
import { poolError } from './pool-error.js';

/**
 * HTTP/1.1 connections one key's dispatcher may have: never more than the pool's cap. A key's
 * dispatcher with more connections than the cap would queue each extra exchange on its own not yet
 * connected connection, which then waits for a slot that only closing an idle connection (of this
 * very key) can free; held within the cap, the exchanges wait in the dispatcher's queue and take the
 * key's connections as they come free.
 */
export function connectionsPerKey(options: ResolvedPoolOptions): number {
  const cap = options.maxConnections;
  return cap === 0 ? options.connectionsPerOrigin : Math.min(cap, options.connectionsPerOrigin);
}

/** A pool as its keys and their connections see it: its current policy and its connection slots. */
export interface LimitedPool {
  readonly options: ResolvedPoolOptions;
  readonly limits: Limits;
}

interface Waiter {
  grant: (release: () => void) => void;
  fail: (error: Error) => void;
  timer: NodeJS.Timeout | undefined;
}

export class Limits {
  /** connections connecting or open, each holding one slot */
  #slots = 0;
  readonly #pool: { readonly options: ResolvedPoolOptions };
  /** the pool's keys, whose idle connections may be closed to make room */
  readonly #keys: ReadonlyMap<string, KeyAccount>;
  readonly #waiters: Waiter[] = [];
  #roomCheck = false;

  constructor(pool: { readonly options: ResolvedPoolOptions }, keys: ReadonlyMap<string, KeyAccount>) {
    this.#pool = pool;
    this.#keys = keys;
  }

  /** Calls `grant` with a slot now, or later in FIFO order under the cap, or `fail` after poolTimeout. */
  acquire(grant: (release: () => void) => void, fail: (error: Error) => void): void {
    const cap = this.#pool.options.maxConnections;
    if (cap === 0 || this.#slots < cap) {
      this.#slots++;
      grant(this.#releaser());
      return;
    }
    const waiter: Waiter = { grant, fail, timer: undefined };
    const ms = this.#pool.options.poolTimeout;
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
      this.#slots--;
      this.grantWaiters();
    };
  }

  /** Grants slots to waiters while the cap (which a new policy may have raised) allows. */
  grantWaiters(): void {
    const cap = this.#pool.options.maxConnections;
    while (this.#waiters.length > 0 && (cap === 0 || this.#slots < cap)) {
      const waiter = this.#waiters.shift()!;
      clearTimeout(waiter.timer);
      this.#slots++;
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
    for (const entry of this.#keys.values()) {
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

  /** Fails every pending waiter: the pool is closing. */
  close(): void {
    for (const waiter of this.#waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.fail(poolError('ONEPOOL_ERR_POOL_CLOSED', 'the pool was closed'));
    }
  }
}
