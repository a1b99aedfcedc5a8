/**
 * One exchange in the worker: a resolved request goes out on the pool, and exactly one reply comes
 * back: the response (status, raw headers, whole body) or an error. The worker is a round-tripper:
 * it never looks at status codes, redirects, cookies or auth.
 *
 * This is an undici dispatch handler in undici's original callback form (onConnect, onHeaders,
 * onData, onComplete, onError), the form its Client drives natively: raw header buffers, no
 * stream objects, no wrapping.
 */
import type { Transferable } from 'node:worker_threads';
import type { WireError } from '../core/errors.js';
import type { FromWorker, WireRequest } from '../core/protocol.js';
import { mapError } from './error-map.js';
import {
  type Connection,
  connectingNow,
  connectionInfo,
  entryFor,
  finished,
  type KeyEntry,
  started,
  type Tracked,
} from './pool.js';

export type Reply = (message: FromWorker, transfer?: Transferable[]) => void;

const running = new Map<number, Exchange>();

const latin1 = (b: Buffer | string): string => (typeof b === 'string' ? b : b.toString('latin1'));

class Exchange implements Tracked {
  connection: Connection | undefined;
  reused = false;
  readonly #req: WireRequest;
  readonly #entry: KeyEntry;
  readonly #reply: Reply;
  #abort: ((reason: Error) => void) | undefined;
  #failure: Error | undefined;
  #done = false;
  #status = 0;
  #statusText = '';
  #headers: string[] = [];
  #chunks: Buffer[] = [];
  #size = 0;
  #connectTimer: NodeJS.Timeout | undefined;

  constructor(req: WireRequest, entry: KeyEntry, reply: Reply) {
    this.#req = req;
    this.#entry = entry;
    this.#reply = reply;
    if (req.connectTimeout > 0) {
      this.#connectTimer = setTimeout(() => {
        if (this.connection) return;
        const ms = req.connectTimeout;
        this.#fail({
          name: 'ConnectTimeoutError',
          message: `no connection to ${req.origin} within ${ms} ms`,
        });
      }, req.connectTimeout);
    }
  }

  /** Stops the exchange without a reply (its caller has gone). */
  cancel(): void {
    this.#finish();
    this.#abortNow(new Error('cancelled by the caller'));
  }

  #abortNow(reason: Error): void {
    this.#failure = reason;
    this.#abort?.(reason);
  }

  #fail(error: WireError): void {
    if (this.#done) return;
    this.#finish();
    this.#reply({ t: 'error', id: this.#req.id, error });
    this.#abortNow(new Error(error.message));
  }

  #finish(): void {
    if (this.#done) return;
    this.#done = true;
    clearTimeout(this.#connectTimer);
    running.delete(this.#req.id);
    finished(this.#entry, this);
  }

  onConnect(abort: (reason: Error) => void): void {
    this.#abort = abort;
    if (this.#failure) {
      abort(this.#failure);
      return;
    }
    connectingNow(this);
  }

  onHeaders(status: number, raw: (Buffer | string)[], _resume: () => void, statusText: string): boolean {
    if (status < 200) return true; // 1xx: informational, the final response follows
    this.#status = status;
    this.#statusText = statusText ?? '';
    const headers = new Array<string>(raw.length);
    for (let i = 0; i < raw.length; i++) headers[i] = latin1(raw[i]!);
    this.#headers = headers;
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.#chunks.push(chunk);
    this.#size += chunk.length;
    return true;
  }

  onComplete(): void {
    if (this.#done) return;
    this.#finish();
    // Always a fresh buffer of our own (undici's chunks may be views into a socket's read buffer);
    // it owns its ArrayBuffer only above Node's pool threshold, and only then is it transferred.
    const body = Buffer.concat(this.#chunks, this.#size);
    this.#chunks = [];
    const owned = body.byteOffset === 0 && body.buffer.byteLength === body.byteLength;
    this.#reply(
      {
        t: 'response',
        id: this.#req.id,
        status: this.#status,
        statusText: this.#statusText,
        headers: this.#headers,
        body,
        httpVersion: this.connection?.protocol === 'h2' ? '2' : '1.1',
        connection: connectionInfo(this),
      },
      owned ? [body.buffer as ArrayBuffer] : [],
    );
  }

  onError(error: Error): void {
    if (this.#done) return;
    this.#finish();
    this.#reply({ t: 'error', id: this.#req.id, error: mapError(error) });
  }
}

/** Starts one exchange; `reply` is called exactly once (unless the exchange is cancelled). */
export function startExchange(req: WireRequest, reply: Reply): void {
  const entry = entryFor(req.key, req.origin, req.transport, req.proxy);
  const exchange = new Exchange(req, entry, reply);
  running.set(req.id, exchange);
  started(entry);
  try {
    entry.dispatcher.dispatch(
      {
        origin: req.origin,
        path: req.path,
        method: req.method as 'GET',
        headers: req.headers,
        body: req.body,
        headersTimeout: req.readTimeout,
        bodyTimeout: req.readTimeout,
      },
      exchange,
    );
  } catch (error) {
    exchange.onError(error as Error);
  }
}

/** Cancels a running exchange without a reply; false when it had already finished. */
export function cancelExchange(id: number): boolean {
  const exchange = running.get(id);
  exchange?.cancel();
  return exchange !== undefined;
}
