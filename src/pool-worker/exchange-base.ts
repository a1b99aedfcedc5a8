/**
 * What the buffered exchange (exchange.ts) and the streamed one (stream-exchange.ts) share: both
 * are sinks of their driver's events (sink.ts), and both
 * - time out getting a connection (timeout.connect covers waiting for a free one too);
 * - run their own read timer (timeout.read, without a byte from the server): undici 7's timers tick
 *   in ~500 ms steps, so a 200 ms read timeout would fire after about a second; undici's stay as a
 *   backstop (dispatch.ts). It starts once the request is sent: at start for a body that goes out
 *   with the headers, after its last chunk for one sent in chunks (dispatch.ts, BodyTiming);
 * - run a write timer while a chunk of the request body is with the driver (timeout.write, no
 *   progress sending it: the server stopped reading); waiting for the body's own source (a slow
 *   caller-side stream) is not timed;
 * - tell the caller, on an error, whether the connection was reused and whether the response had
 *   started (the stale keep-alive rule needs both);
 * - account for themselves in the pool exactly once.
 */
import type { Transferable } from 'node:worker_threads';
import type { FromWorker, WireRequest } from '../core/protocol.js';
import type { WireError } from '../core/wire-error.js';
import { finished, type Queued, started } from './accounting.js';
import { dispatchExchange, type Pull } from './dispatch.js';
import { addExchange, type LiveExchange, removeExchange } from './exchanges.js';
import { entryFor, poolById } from './registry.js';
import type { KeyEntry } from './route.js';
import { ExchangeSink } from './sink.js';

export type Reply = (message: FromWorker, transfer?: Transferable[]) => void;

export abstract class BaseExchange extends ExchangeSink implements LiveExchange, Queued {
  protected readonly req: WireRequest;
  protected readonly entry: KeyEntry;
  protected readonly reply: Reply;
  /** the status line of a final or informational response has arrived */
  protected responseStarted = false;
  /** the final response's status, 0 before it */
  protected status = 0;
  #accounted = false;
  #connectTimer: NodeJS.Timeout | undefined;
  #poolTimer: NodeJS.Timeout | undefined;
  #readTimer: NodeJS.Timeout | undefined;
  #writeTimer: NodeJS.Timeout | undefined;
  /** the request body is sent in chunks, each timed; the read timer waits for the last */
  #bodyTimed = false;
  #pull: Pull | undefined;
  #left = false;

  constructor(req: WireRequest, entry: KeyEntry, reply: Reply) {
    super();
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
    const { maxConnections, poolTimeout } = entry.pool.options;
    if (maxConnections > 0 && poolTimeout > 0) {
      // Under the cap a key's exchanges queue in its dispatcher for one of its connections
      // (limits.ts, connectionsPerKey); one still waiting while the key's connections are all in
      // use has waited for the pool as a connection waiting for a slot does.
      this.#poolTimer = setTimeout(() => {
        if (this.connection || entry.connections.size === 0) return;
        this.fail({
          code: 'ONEPOOL_ERR_POOL_TIMEOUT',
          message: `no free connection within ${poolTimeout} ms (maxConnections ${maxConnections})`,
        });
      }, poolTimeout);
    }
  }

  /** Ends the exchange with `error` (sent to the caller unless it has gone) and aborts it in its driver. */
  protected abstract fail(error: WireError): void;

  abstract cancel(abort: boolean): void;

  /** Only a streamed exchange has a window to credit. */
  credit(_bytes: number): void {}

  feed(chunk: Uint8Array | null, error: string | undefined): void {
    this.#pull?.feed(chunk, error);
  }

  /** Its request body is pulled from the caller through `pull`, which `upload` messages feed. */
  takeUpload(pull: Pull): void {
    this.#pull = pull;
  }

  /** The exchange is over for its caller: out of the live exchanges, its pulled upload released. */
  protected leave(): void {
    if (this.#left) return;
    this.#left = true;
    removeExchange(this.req.id);
    this.#pull?.feed(null, 'the exchange ended');
  }

  protected onStart(): void {
    // Started again (a replay): the body goes out again, from its first chunk.
    this.#stopWriteTimer();
    if (this.#bodyTimed) this.stopReadTimer();
    else this.startReadTimer();
  }

  /** Its pool is closing while it waits for a connection: it fails now, never to start. */
  poolClosed(): void {
    this.fail({ code: 'ONEPOOL_ERR_POOL_CLOSED', message: 'the pool was closed' });
  }

  bodyTimed(): void {
    this.#bodyTimed = true;
  }

  bodyWriting(): void {
    const ms = this.req.writeTimeout;
    if (!(ms > 0) || this.#accounted) return;
    if (this.#writeTimer) {
      this.#writeTimer.refresh();
      return;
    }
    this.#writeTimer = setTimeout(() => {
      this.#writeTimer = undefined;
      this.fail({
        code: 'ONEPOOL_ERR_WRITE_TIMEOUT',
        message: `write timeout: no progress sending the request body within ${ms} ms`,
      });
    }, ms);
  }

  bodyWritten(): void {
    this.#stopWriteTimer();
  }

  bodySent(): void {
    this.sent();
    this.#stopWriteTimer();
    // A response that came while the body went out has its read timer running already.
    if (this.status === 0 && !this.#accounted) this.startReadTimer();
  }

  #stopWriteTimer(): void {
    clearTimeout(this.#writeTimer);
    this.#writeTimer = undefined;
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

  protected replyError(error: WireError): void {
    const { reused, responseStarted } = this;
    const timings = this.timer.timings(reused, true);
    this.reply({ t: 'error', id: this.req.id, error, reused, responseStarted, timings });
  }

  /** The exchange is over for the pool: timers stopped, counted once. */
  protected settle(): void {
    if (this.#accounted) return;
    this.#accounted = true;
    clearTimeout(this.#connectTimer);
    clearTimeout(this.#poolTimer);
    this.stopReadTimer();
    this.#stopWriteTimer();
    finished(this.entry, this);
  }

  /** Notes a final response's status line; false for a 1xx (informational: the final one follows). */
  protected headStarted(status: number): boolean {
    this.responseStarted = true;
    if (status < 200) return false;
    this.status = status;
    clearTimeout(this.#connectTimer);
    clearTimeout(this.#poolTimer);
    this.startReadTimer();
    return true;
  }
}

/**
 * Starts an exchange on the pool named by the request: its pool entry (origin, transport and proxy
 * are all part of the key) is found or made, the exchange is made live and dispatched. A closed
 * private pool answers PoolClosedError at once.
 */
export function startOnPool(
  req: WireRequest,
  reply: Reply,
  Kind: new (req: WireRequest, entry: KeyEntry, reply: Reply) => BaseExchange,
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
  const exchange = new Kind(req, entry, reply);
  addExchange(req.id, exchange);
  started(entry, exchange);
  dispatchExchange(entry, req, reply, exchange);
}
