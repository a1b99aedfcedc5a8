/**
 * One streamed exchange in the worker: `head`, then the body as `chunk`s, then `end` with trailers
 * (or one `error`). Like exchange.ts, an undici dispatch handler in the callback form; unlike it,
 * it never holds the whole body.
 *
 * Backpressure across the thread boundary: the caller credits the bytes it has consumed; once
 * STREAM_WINDOW bytes are sent and not credited, onData returns false and undici stops reading the
 * socket, so a slow reader slows the server through TCP or h2 flow control. undici's own body
 * timeout does not run while paused, so an unread stream gets a timer of its own (timeout.read): a
 * stream that is neither read nor cancelled cannot pin a connection forever.
 *
 * A cancelled HTTP/1.1 response is drained when little of it is left (the connection is kept);
 * otherwise, and always on h2 (a stream reset is cheap), it is aborted.
 */
import type { Transferable } from 'node:worker_threads';
import type { WireError } from '../core/errors.js';
import { type FromWorker, STREAM_WINDOW, type WireRequest } from '../core/protocol.js';
import { type BodyDecoder, bodyDecoder } from './decode.js';
import { dispatchExchange } from './dispatch.js';
import { mapError } from './error-map.js';
import {
  type Connection,
  connectingNow,
  connectionInfo,
  entryFor,
  finished,
  type KeyEntry,
  poolById,
  started,
  type Tracked,
} from './pool.js';

type Reply = (message: FromWorker, transfer?: Transferable[]) => void;

/** Chunks are coalesced up to this size before crossing (fewer messages, one copy each). */
const BATCH_BYTES = 256 * 1024;
/** A cancelled HTTP/1.1 body with at most this much left is read to its end to keep the connection. */
const DRAIN_BYTES = 256 * 1024;

const streams = new Map<number, StreamExchange>();

const latin1 = (b: Buffer | string): string => (typeof b === 'string' ? b : b.toString('latin1'));
const flat = (raw: (Buffer | string)[] | null | undefined): string[] => (raw ?? []).map(latin1);

class StreamExchange implements Tracked {
  connection: Connection | undefined;
  reused = false;
  readonly #req: WireRequest;
  readonly #entry: KeyEntry;
  readonly #reply: Reply;
  #abort: ((reason: Error) => void) | undefined;
  #failure: Error | undefined;
  #resume: (() => void) | undefined;
  #decoder: BodyDecoder | undefined;
  /** no more messages for the caller (finished, failed or cancelled) */
  #silent = false;
  /** the exchange is over for the pool's accounting */
  #done = false;
  #paused = false;
  #draining = false;
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  #flushQueued = false;
  #unacked = 0;
  #received = 0;
  #expected = -1;
  #connectTimer: NodeJS.Timeout | undefined;
  #idleTimer: NodeJS.Timeout | undefined;

  constructor(req: WireRequest, entry: KeyEntry, reply: Reply) {
    this.#req = req;
    this.#entry = entry;
    this.#reply = reply;
    if (req.connectTimeout > 0) {
      this.#connectTimer = setTimeout(() => {
        if (this.connection) return;
        this.#fail({
          name: 'ConnectTimeoutError',
          message: `no connection to ${req.origin} within ${req.connectTimeout} ms`,
        });
      }, req.connectTimeout);
    }
  }

  /** The caller consumed `bytes`: reopen the window, and resume undici when it has room. */
  credit(bytes: number): void {
    this.#unacked -= bytes;
    clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
    if (this.#unacked > 0) this.#armIdle();
    if (this.#paused && !this.#full()) {
      this.#paused = false;
      this.#resume?.();
    }
  }

  /** The caller is gone: no more replies; drain the rest when cheap, otherwise abort. */
  cancel(): void {
    this.#quiet();
    const left = this.#expected - this.#received;
    const cheap = this.connection?.protocol === 'h1' && this.#resume && left >= 0 && left <= DRAIN_BYTES;
    if (!cheap) {
      this.#abortNow(new Error('cancelled by the caller'));
      this.#finish();
      return;
    }
    this.#draining = true;
    if (this.#paused) {
      this.#paused = false;
      this.#resume?.();
    }
  }

  #quiet(): void {
    this.#silent = true;
    streams.delete(this.#req.id);
    clearTimeout(this.#connectTimer);
    clearTimeout(this.#idleTimer);
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#decoder?.destroy();
  }

  #finish(): void {
    if (this.#done) return;
    this.#done = true;
    this.#quiet();
    finished(this.#entry, this);
  }

  #abortNow(reason: Error): void {
    this.#failure = reason;
    this.#abort?.(reason);
  }

  #fail(error: WireError): void {
    if (this.#silent) return;
    this.#quiet();
    this.#reply({ t: 'error', id: this.#req.id, error });
    this.#abortNow(new Error(error.message));
    this.#finish();
  }

  #full(): boolean {
    return this.#unacked + this.#pendingBytes >= STREAM_WINDOW;
  }

  #armIdle(): void {
    const ms = this.#req.readTimeout;
    if (ms <= 0 || this.#idleTimer) return;
    this.#idleTimer = setTimeout(() => {
      this.#fail({
        name: 'ReadTimeoutError',
        message: `read timeout: the streamed body was not read for ${ms} ms`,
      });
    }, ms);
  }

  #push = (chunk: Uint8Array): void => {
    if (this.#silent || chunk.byteLength === 0) return;
    this.#pending.push(chunk);
    this.#pendingBytes += chunk.byteLength;
    if (this.#pendingBytes >= BATCH_BYTES) this.#flush();
    else if (!this.#flushQueued) {
      this.#flushQueued = true;
      setImmediate(() => {
        this.#flushQueued = false;
        this.#flush();
      });
    }
  };

  /** One copy into an ArrayBuffer of our own, which is then moved (not cloned) to the caller. */
  #flush(): void {
    if (this.#silent || this.#pendingBytes === 0) return;
    const out = Buffer.allocUnsafeSlow(this.#pendingBytes);
    let at = 0;
    for (const c of this.#pending) {
      out.set(c, at);
      at += c.byteLength;
    }
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#unacked += out.byteLength;
    this.#reply({ t: 'chunk', id: this.#req.id, chunk: out }, [out.buffer as ArrayBuffer]);
    this.#armIdle();
  }

  onConnect(abort: (reason: Error) => void): void {
    this.#abort = abort;
    if (this.#failure) {
      abort(this.#failure);
      return;
    }
    connectingNow(this);
  }

  onHeaders(status: number, raw: (Buffer | string)[], resume: () => void, statusText: string): boolean {
    if (status < 200 || this.#silent) return true;
    clearTimeout(this.#connectTimer);
    this.#resume = resume;
    const headers = flat(raw);
    for (let i = 0; i < headers.length; i += 2)
      if (headers[i]!.toLowerCase() === 'content-length') this.#expected = Number(headers[i + 1]);
    // Decoded as it arrives (decode.ts); backpressure counts decoded bytes. maxResponseSize is for
    // buffered bodies: a stream is read piece by piece, so it is not limited.
    const decode = { decompress: this.#req.decompress, maxResponseSize: 0 };
    this.#decoder = bodyDecoder(headers, decode, this.#push, (error) => this.#fail(error));
    this.#reply({
      t: 'head',
      id: this.#req.id,
      status,
      statusText: statusText ?? '',
      headers,
      httpVersion: this.connection?.protocol === 'h2' ? '2' : '1.1',
      connection: connectionInfo(this),
    });
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.#received += chunk.length;
    if (this.#draining) {
      if (this.#received > this.#expected) this.#abortNow(new Error('cancelled by the caller'));
      return true;
    }
    if (this.#silent) return true;
    if (this.#decoder) this.#decoder.write(chunk);
    else this.#push(chunk);
    if (this.#full()) this.#paused = true;
    return !this.#paused;
  }

  onComplete(trailers: (Buffer | string)[] | null): void {
    if (this.#silent) {
      this.#finish();
      return;
    }
    const end = (error?: Error) => {
      if (error) return this.onError(error);
      this.#flush();
      this.#reply({ t: 'end', id: this.#req.id, trailers: flat(trailers) });
      this.#finish();
    };
    if (this.#decoder) this.#decoder.end(end);
    else end();
  }

  onError(error: Error): void {
    if (!this.#silent) this.#reply({ t: 'error', id: this.#req.id, error: mapError(error) });
    this.#finish();
  }
}

/** Starts one streamed exchange; it replies head, chunks, then end or error (unless cancelled). */
export function startStream(req: WireRequest, reply: Reply): void {
  const pool = poolById(req.pool);
  if (!pool) {
    reply({ t: 'error', id: req.id, error: { name: 'PoolClosedError', message: 'the pool was closed' } });
    return;
  }
  const entry = entryFor(pool, req.key, req.origin, req.transport);
  const exchange = new StreamExchange(req, entry, reply);
  streams.set(req.id, exchange);
  started(entry);
  dispatchExchange(entry, req, reply, exchange);
}

export function creditStream(id: number, bytes: number): void {
  streams.get(id)?.credit(bytes);
}

/** Cancels a streamed exchange that is still answering; false when it had already ended. */
export function cancelStream(id: number): boolean {
  const exchange = streams.get(id);
  exchange?.cancel();
  return exchange !== undefined;
}
