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
  #decoder: BodyDecoder | undefined;
  /** body chunks that arrived before the headers (seen on the HTTP/2 path), held for the decoder */
  #early: Buffer[] | undefined;
  #responseStarted = false;
  #connectTimer: NodeJS.Timeout | undefined;
  #readTimer: NodeJS.Timeout | undefined;

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
    this.#decoder?.destroy();
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
    this.#decoder?.destroy();
    this.#replyError(error);
    this.#abortNow(new Error(error.message));
  }

  #finish(): void {
    if (this.#done) return;
    this.#done = true;
    clearTimeout(this.#connectTimer);
    clearTimeout(this.#readTimer);
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
    // Our own read timer rather than undici's headersTimeout/bodyTimeout: undici 7's timers tick
    // in ~500 ms steps, so a 200 ms read timeout would fire after about a second.
    const ms = this.#req.readTimeout;
    if (ms > 0) {
      this.#readTimer = setTimeout(() => {
        const what = this.#status === 0 ? 'no response headers' : 'the body stalled';
        this.#fail({ name: 'ReadTimeoutError', message: `read timeout: ${what} within ${ms} ms` });
      }, ms);
    }
  }

  #replyError(error: WireError): void {
    const { reused } = this;
    this.#reply({ t: 'error', id: this.#req.id, error, reused, responseStarted: this.#responseStarted });
  }

  onHeaders(status: number, raw: (Buffer | string)[], _resume: () => void, statusText: string): boolean {
    this.#responseStarted = true;
    if (status < 200) return true; // 1xx: informational, the final response follows
    this.#status = status;
    this.#statusText = statusText ?? '';
    const headers = new Array<string>(raw.length);
    for (let i = 0; i < raw.length; i++) headers[i] = latin1(raw[i]!);
    this.#headers = headers;
    this.#decoder = bodyDecoder(
      headers,
      this.#req,
      (chunk) => this.#collect(chunk),
      (e) => this.#fail(e),
    );
    if (this.#early) for (const chunk of this.#early.splice(0)) this.#decoder.write(chunk);
    this.#readTimer?.refresh();
    return true;
  }

  #collect(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#size += chunk.length;
  }

  onData(chunk: Buffer): boolean {
    this.#readTimer?.refresh();
    if (this.#decoder) this.#decoder.write(chunk);
    else if (this.#early) this.#early.push(chunk);
    else this.#early = [chunk];
    return true;
  }

  onComplete(): void {
    if (this.#done) return;
    // Every byte is in: what remains is decoding, which the read timeout does not cover.
    clearTimeout(this.#readTimer);
    if (!this.#decoder) {
      // No final headers came through onHeaders: pass whatever arrived through as it is.
      for (const chunk of this.#early ?? []) this.#collect(chunk);
      this.#respond();
      return;
    }
    this.#decoder.end(() => this.#respond());
  }

  #respond(): void {
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
    // undici 7 checks Content-Length on a 304 as if a body followed (it exempts only HEAD); a 304
    // has no body by definition (RFC 9110 §15.4.5), so an empty 304 is a complete response. The
    // connection is lost (undici destroyed it), the answer is not.
    if (
      this.#status === 304 &&
      this.#size === 0 &&
      (error as NodeJS.ErrnoException).code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH'
    ) {
      this.onComplete();
      return;
    }
    this.#finish();
    this.#decoder?.destroy();
    this.#replyError(mapError(error));
  }
}

/** Starts one exchange; `reply` is called exactly once (unless the exchange is cancelled). */
export function startExchange(req: WireRequest, reply: Reply): void {
  const pool = poolById(req.pool);
  if (!pool) {
    reply({ t: 'error', id: req.id, error: { name: 'PoolClosedError', message: 'the pool was closed' } });
    return;
  }
  const entry = entryFor(pool, req.key, req.origin, req.transport, req.proxy);
  const exchange = new Exchange(req, entry, reply);
  running.set(req.id, exchange);
  started(entry);
  dispatchExchange(entry, req, reply, exchange);
}

/** Cancels a running exchange without a reply; false when it had already finished. */
export function cancelExchange(id: number): boolean {
  const exchange = running.get(id);
  exchange?.cancel();
  return exchange !== undefined;
}
