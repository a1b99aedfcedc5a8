/**
 * What the buffered exchange (exchange.ts) and the streamed one (stream-exchange.ts) share: both
 * are undici dispatch handlers in the callback form (onConnect, onHeaders, onData, onComplete,
 * onError), the form undici's Client drives natively, and both
 * - time out getting a connection (timeout.connect covers waiting for a free one too);
 * - run their own read timer (timeout.read, without a byte from the server): undici 7's timers tick
 *   in ~500 ms steps, so a 200 ms read timeout would fire after about a second; undici's stay as a
 *   backstop (dispatch.ts);
 * - tell the caller, on an error, whether the connection was reused and whether the response had
 *   started (the stale keep-alive rule needs both);
 * - account for themselves in the pool exactly once.
 */
import type { Transferable } from 'node:worker_threads';
import type { FromWorker, WireRequest } from '../core/protocol.js';
import type { WireError } from '../core/wire-error.js';
import { dispatchExchange } from './dispatch.js';
import {
  type Connection,
  connectingNow,
  entryFor,
  finished,
  type KeyEntry,
  poolById,
  started,
  type Tracked,
} from './pool.js';

export type Reply = (message: FromWorker, transfer?: Transferable[]) => void;

const latin1 = (b: Buffer | string): string => (typeof b === 'string' ? b : b.toString('latin1'));

/** undici's raw headers (or trailers) as the flat [name, value, ...] strings the protocol carries. */
export const headerList = (raw: (Buffer | string)[] | null | undefined): string[] => (raw ?? []).map(latin1);

export abstract class BaseExchange implements Tracked {
  connection: Connection | undefined;
  reused = false;
  protected readonly req: WireRequest;
  protected readonly entry: KeyEntry;
  protected readonly reply: Reply;
  /** the status line of a final or informational response has arrived */
  protected responseStarted = false;
  /** the final response's status, 0 before it */
  protected status = 0;
  #abort: ((reason: Error) => void) | undefined;
  #failure: Error | undefined;
  #accounted = false;
  #connectTimer: NodeJS.Timeout | undefined;
  #readTimer: NodeJS.Timeout | undefined;

  constructor(req: WireRequest, entry: KeyEntry, reply: Reply) {
    this.req = req;
    this.entry = entry;
    this.reply = reply;
    if (req.connectTimeout > 0) {
      this.#connectTimer = setTimeout(() => {
        if (this.connection) return;
        this.fail({
          code: 'ONEPOOL_ERR_CONNECT_TIMEOUT',
          message: `no connection to ${req.origin} within ${req.connectTimeout} ms`,
        });
      }, req.connectTimeout);
    }
  }

  /** Ends the exchange with `error` (sent to the caller unless it has gone) and aborts it in undici. */
  protected abstract fail(error: WireError): void;

  abstract onHeaders(
    status: number,
    raw: (Buffer | string)[],
    resume: () => void,
    statusText: string,
  ): boolean;
  abstract onData(chunk: Buffer): boolean;
  abstract onComplete(trailers: (Buffer | string)[] | null): void;
  abstract onError(error: Error): void;

  onConnect(abort: (reason: Error) => void): void {
    this.#abort = abort;
    if (this.#failure) {
      abort(this.#failure);
      return;
    }
    connectingNow(this);
    this.startReadTimer();
  }

  /** (Re)starts the read timer: the server owes a byte within timeout.read from now. */
  protected startReadTimer(): void {
    const ms = this.req.readTimeout;
    if (ms <= 0) return;
    if (this.#readTimer) {
      this.#readTimer.refresh();
      return;
    }
    this.#readTimer = setTimeout(() => {
      this.#readTimer = undefined;
      const what = this.status === 0 ? 'no response headers' : 'the body stalled';
      this.fail({ code: 'ONEPOOL_ERR_READ_TIMEOUT', message: `read timeout: ${what} within ${ms} ms` });
    }, ms);
  }

  /** Stops the read timer: nothing is owed by the server (the body is complete, or we paused it). */
  protected stopReadTimer(): void {
    clearTimeout(this.#readTimer);
    this.#readTimer = undefined;
  }

  /** Aborts the exchange in undici now, or as soon as it gets a connection. */
  protected abortNow(reason: Error): void {
    this.#failure = reason;
    this.#abort?.(reason);
  }

  protected replyError(error: WireError): void {
    const { reused, responseStarted } = this;
    this.reply({ t: 'error', id: this.req.id, error, reused, responseStarted });
  }

  /** The exchange is over for the pool: timers stopped, counted once. */
  protected settle(): void {
    if (this.#accounted) return;
    this.#accounted = true;
    clearTimeout(this.#connectTimer);
    this.stopReadTimer();
    finished(this.entry, this);
  }

  /** Notes a final response's status line; false for a 1xx (informational: the final one follows). */
  protected headStarted(status: number): boolean {
    this.responseStarted = true;
    if (status < 200) return false;
    this.status = status;
    clearTimeout(this.#connectTimer);
    this.startReadTimer();
    return true;
  }
}

/**
 * Starts an exchange on the pool named by the request: its pool entry (origin, transport and proxy
 * are all part of the key) is found or made, the exchange is registered and dispatched. A closed
 * private pool answers PoolClosedError at once.
 */
export function startOnPool<E extends BaseExchange>(
  req: WireRequest,
  reply: Reply,
  make: (entry: KeyEntry) => E,
  running: Map<number, E>,
): void {
  const pool = poolById(req.pool);
  if (!pool) {
    reply({
      t: 'error',
      id: req.id,
      error: { code: 'ONEPOOL_ERR_POOL_CLOSED', message: 'the pool was closed' },
    });
    return;
  }
  const entry = entryFor(pool, req.key, req.origin, req.transport, req.proxy);
  const exchange = make(entry);
  running.set(req.id, exchange);
  started(entry);
  dispatchExchange<E>(entry, req, reply, exchange);
}
