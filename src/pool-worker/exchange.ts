/**
 * One exchange in the worker: a resolved request goes out on the pool, and exactly one reply comes
 * back: the response (status, raw headers, whole body) or an error. The worker is a round-tripper:
 * it never looks at status codes, redirects, cookies or auth.
 *
 * It is the sink of its driver's events (sink.ts): head, body chunks, then the end or an error, in
 * that order.
 */
import { joinExact } from '../core/bytes.js';
import { packResponse } from '../core/packed-response.js';
import type { WireRequest } from '../core/protocol.js';
import { dropsRedirectBody } from '../core/redirects.js';
import type { WireError } from '../core/wire-error.js';
import { connectionInfo } from './accounting.js';
import { type BodyDecoder, bodyDecoder, droppingDecoder } from './decode.js';
import { mapError } from './error-map.js';
import { BaseExchange, type Reply, startOnPool } from './exchange-base.js';

export type { Reply } from './exchange-base.js';

class Exchange extends BaseExchange {
  #done = false;
  #statusText = '';
  #headers: string[] = [];
  #chunks: Buffer[] = [];
  #size = 0;
  #decoder: BodyDecoder | undefined;

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
    this.leave();
    this.settle();
  }

  protected onHead(status: number, statusText: string, headers: string[]): void {
    if (!this.headStarted(status)) return;
    this.#statusText = statusText;
    this.#headers = headers;
    const fail = (e: WireError) => this.fail(e);
    this.#decoder = dropsRedirectBody(this.req.dropRedirectBody === true, status, headers)
      ? droppingDecoder(this.req.maxResponseSize, fail)
      : bodyDecoder(headers, this.req, (chunk) => this.#collect(chunk), fail);
  }

  #collect(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#size += chunk.length;
  }

  protected onData(chunk: Buffer): boolean {
    this.startReadTimer();
    // The final head came first (sink.ts), and made the decoder.
    this.#decoder!.write(chunk);
    return true;
  }

  protected onEnd(): void {
    if (this.#done) return;
    // Every byte is in: what remains is decoding, which the read timeout does not cover.
    this.stopReadTimer();
    this.#decoder!.end(() => this.#respond());
  }

  #respond(): void {
    if (this.#done) return;
    this.#finish();
    const body = joinExact(this.#chunks, this.#size);
    this.#chunks = [];
    // Moved, not cloned, above 1 KiB.
    const move = body.byteLength >= 1024;
    const connection = connectionInfo(this);
    const res = packResponse(
      this.status,
      this.#statusText,
      this.#headers,
      connection.protocol === 'h2' ? '2' : '1.1',
      connection,
      this.timer.timings(this.reused, true),
      body,
    );
    this.reply({ t: 'response', id: this.req.id, res }, move ? [body.buffer as ArrayBuffer] : []);
  }

  protected onError(error: Error): void {
    if (this.#done) return;
    // undici 7 checks Content-Length on a 304 as if a body followed (it exempts only HEAD); a 304
    // has no body by definition (RFC 9110 §15.4.5), so an empty 304 is a complete response. The
    // connection is lost (undici destroyed it), the answer is not.
    if (
      this.status === 304 &&
      this.#size === 0 &&
      (error as NodeJS.ErrnoException).code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH'
    ) {
      this.onEnd();
      return;
    }
    this.#finish();
    this.#decoder?.destroy();
    this.replyError(mapError(error));
  }
}

/** Starts one exchange; `reply` is called exactly once (unless the exchange is cancelled). */
export function startExchange(req: WireRequest, reply: Reply): void {
  startOnPool(req, reply, Exchange);
}
