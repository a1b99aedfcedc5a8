/**
 * One exchange in the worker: a resolved request goes out on the pool, and exactly one reply comes
 * back: the response (status, raw headers, whole body) or an error. The worker is a round-tripper:
 * it never looks at status codes, redirects, cookies or auth.
 *
 * This is an undici dispatch handler in undici's original callback form (onConnect, onHeaders,
 * onData, onComplete, onError), the form its Client drives natively: raw header buffers, no
 * stream objects, no wrapping.
 */
import { joinExact } from '../core/bytes.js';
import type { WireRequest } from '../core/protocol.js';
import type { WireError } from '../core/wire-error.js';
import { type BodyDecoder, bodyDecoder } from './decode.js';
import { mapError } from './error-map.js';
import { BaseExchange, headerList, type Reply, startOnPool } from './exchange-base.js';
import { connectionInfo } from './pool.js';

export type { Reply } from './exchange-base.js';

const running = new Map<number, Exchange>();

class Exchange extends BaseExchange {
  #done = false;
  #statusText = '';
  #headers: string[] = [];
  #chunks: Buffer[] = [];
  #size = 0;
  #decoder: BodyDecoder | undefined;
  /** body chunks that arrived before the headers (seen on the HTTP/2 path), held for the decoder */
  #early: Buffer[] | undefined;

  /** Stops the exchange without a reply (its caller has gone). */
  cancel(): void {
    this.#decoder?.destroy();
    this.#finish();
    this.abortNow(new Error('cancelled by the caller'));
  }

  protected fail(error: WireError): void {
    if (this.#done) return;
    this.#finish();
    this.#decoder?.destroy();
    this.replyError(error);
    this.abortNow(new Error(error.message));
  }

  #finish(): void {
    if (this.#done) return;
    this.#done = true;
    running.delete(this.req.id);
    this.settle();
  }

  onHeaders(status: number, raw: (Buffer | string)[], _resume: () => void, statusText: string): boolean {
    if (!this.headStarted(status)) return true;
    this.#statusText = statusText ?? '';
    this.#headers = headerList(raw);
    this.#decoder = bodyDecoder(
      this.#headers,
      this.req,
      (chunk) => this.#collect(chunk),
      (e) => this.fail(e),
    );
    if (this.#early) for (const chunk of this.#early.splice(0)) this.#decoder.write(chunk);
    return true;
  }

  #collect(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#size += chunk.length;
  }

  onData(chunk: Buffer): boolean {
    this.startReadTimer();
    if (this.#decoder) this.#decoder.write(chunk);
    else if (this.#early) this.#early.push(chunk);
    else this.#early = [chunk];
    return true;
  }

  onComplete(): void {
    if (this.#done) return;
    // Every byte is in: what remains is decoding, which the read timeout does not cover.
    this.stopReadTimer();
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
    const body = joinExact(this.#chunks, this.#size);
    this.#chunks = [];
    // Moved, not cloned, above 1 KiB.
    const move = body.byteLength >= 1024;
    this.reply(
      {
        t: 'response',
        id: this.req.id,
        status: this.status,
        statusText: this.#statusText,
        headers: this.#headers,
        body,
        httpVersion: this.connection?.protocol === 'h2' ? '2' : '1.1',
        connection: connectionInfo(this),
      },
      move ? [body.buffer as ArrayBuffer] : [],
    );
  }

  onError(error: Error): void {
    if (this.#done) return;
    // undici 7 checks Content-Length on a 304 as if a body followed (it exempts only HEAD); a 304
    // has no body by definition (RFC 9110 §15.4.5), so an empty 304 is a complete response. The
    // connection is lost (undici destroyed it), the answer is not.
    if (
      this.status === 304 &&
      this.#size === 0 &&
      (error as NodeJS.ErrnoException).code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH'
    ) {
      this.onComplete();
      return;
    }
    this.#finish();
    this.#decoder?.destroy();
    this.replyError(mapError(error));
  }
}

/** Starts one exchange; `reply` is called exactly once (unless the exchange is cancelled). */
export function startExchange(req: WireRequest, reply: Reply): void {
  startOnPool(req, reply, (entry) => new Exchange(req, entry, reply), running);
}

/** Cancels a running exchange without a reply; false when it had already finished. */
export function cancelExchange(id: number): boolean {
  const exchange = running.get(id);
  exchange?.cancel();
  return exchange !== undefined;
}
