/**
 * One streamed exchange in the worker: `head`, then the body as `chunk`s, then `end` with trailers
 * (or one `error`). Like exchange.ts, the sink of its driver's events (sink.ts); unlike it, it
 * never holds the whole body.
 *
 * Backpressure across the thread boundary: the caller credits the bytes it has consumed; once
 * STREAM_WINDOW bytes are sent and not credited, onData returns false and the driver stops reading
 * (the socket on undici, the stream on h2), so a slow reader slows the server through TCP or h2 flow
 * control. undici's own body timeout does not run while paused, so an unread stream gets a timer of
 * its own (timeout.read): a stream that is neither read nor cancelled cannot pin a connection forever.
 *
 * A cancelled HTTP/1.1 response is drained when little of it is left (the connection is kept);
 * otherwise, and always on h2 (a stream reset is cheap), it is aborted.
 */
import { copyInto, joinExact } from '../core/bytes.js';
import { packHead } from '../core/packed-response.js';
import { STREAM_WINDOW, type WireRequest } from '../core/protocol.js';
import { dropsRedirectBody } from '../core/redirects.js';
import type { WireError } from '../core/wire-error.js';
import { connectionInfo } from './accounting.js';
import { type BodyDecoder, bodyDecoder, droppingDecoder } from './decode.js';
import { mapError } from './error-map.js';
import { BaseExchange, type Reply, startOnPool } from './exchange-base.js';
import { LENT_BYTES, lendBuffer } from './lent-buffers.js';
import { noteStreamed } from './young-collector.js';

/** Chunks are coalesced up to this size before crossing (fewer messages, one copy each). */
const BATCH_BYTES = 256 * 1024;
/** A cancelled HTTP/1.1 body with at most this much left is read to its end to keep the connection. */
const DRAIN_BYTES = 256 * 1024;

class StreamExchange extends BaseExchange {
  #resume: (() => void) | undefined;
  #decoder: BodyDecoder | undefined;
  /** no more messages for the caller (finished, failed or cancelled) */
  #silent = false;
  /** the exchange is over for the pool's accounting */
  #done = false;
  #paused = false;
  #draining = false;
  /** the driver has delivered the whole body (what may remain is decoding it) */
  #ended = false;
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  #flushQueued = false;
  /** a batch has been sent: the next ones go in lent buffers */
  #lending = false;
  #unacked = 0;
  #received = 0;
  #expected = -1;
  /** a cancelled body is read up to this many bytes received, then the connection is closed */
  #drainLimit = 0;
  /** the caller has not read what was sent for timeout.read (the caller's side of the read timeout) */
  #idleTimer: NodeJS.Timeout | undefined;

  /** The caller consumed `bytes`: reopen the window, and resume the driver when it has room. */
  override credit(bytes: number): void {
    // A cancelled stream still gets credits that only hand lent buffers back (worker.ts took them):
    // they must not touch a drain's stall timer.
    if (this.#silent) return;
    this.#unacked -= bytes;
    clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
    if (this.#unacked > 0) this.#armIdle();
    if (this.#paused && !this.#full()) {
      this.#paused = false;
      this.startReadTimer();
      this.#resume?.();
    }
  }

  /**
   * The caller is gone: no more replies; drain the rest when cheap, otherwise abort. A rest of
   * unknown length (chunked) is drained up to DRAIN_BYTES more, so small redirect and error bodies
   * that the policy drops keep their connection too.
   */
  cancel(abort: boolean): void {
    this.#quiet();
    // Nothing left to drain or abort: the body is in, and its decoding was just dropped. Waiting for
    // the driver's end here would wait for good, and leave the exchange running in the stats.
    if (this.#ended) {
      this.#finish();
      return;
    }
    const left = this.#expected - this.#received;
    const cheap = !abort && this.connection?.protocol === 'h1' && this.#resume && left <= DRAIN_BYTES;
    if (!cheap) {
      this.abortNow(new Error('cancelled by the caller'));
      this.#finish();
      return;
    }
    this.#draining = true;
    this.#drainLimit = left >= 0 ? this.#expected : this.#received + DRAIN_BYTES;
    // A server that stops sending must not pin the connection while it drains.
    const ms = this.req.readTimeout;
    if (ms > 0) this.#idleTimer = setTimeout(() => this.abortNow(new Error('drain stalled')), ms);
    if (this.#paused) {
      this.#paused = false;
      this.#resume?.();
    }
  }

  #quiet(): void {
    this.#silent = true;
    this.leave();
    this.stopReadTimer();
    clearTimeout(this.#idleTimer);
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#decoder?.destroy();
  }

  #finish(): void {
    if (this.#done) return;
    this.#done = true;
    this.#quiet();
    this.settle();
  }

  protected fail(error: WireError): void {
    if (this.#silent) return;
    this.#quiet();
    this.replyError(error);
    this.abortNow(new Error(error.message));
    this.#finish();
  }

  #full(): boolean {
    return this.#unacked + this.#pendingBytes >= STREAM_WINDOW;
  }

  #armIdle(): void {
    const ms = this.req.readTimeout;
    if (ms <= 0 || this.#idleTimer) return;
    this.#idleTimer = setTimeout(() => {
      this.fail({
        code: 'ONEPOOL_ERR_READ_TIMEOUT',
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

  /**
   * One copy into a buffer of our own, which is then moved (not cloned) to the caller: from the
   * second batch on, a lent one (lent-buffers.ts) that comes back with a credit, unless the batch is
   * too big for it (a large decoded piece). The first batch goes in an exact buffer of its own: a
   * body that fits in one batch (most) costs the caller no copy and no message to give a buffer
   * back, and one moved buffer per stream is not what piles up.
   */
  #flush(): void {
    if (this.#silent || this.#pendingBytes === 0) return;
    const size = this.#pendingBytes;
    const lent = this.#lending && size <= LENT_BYTES;
    this.#lending = true;
    const pending = this.#pending;
    const out = lent ? copyInto(pending, new Uint8Array(lendBuffer(), 0, size)) : joinExact(pending, size);
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#unacked += size;
    noteStreamed(size);
    const id = this.req.id;
    this.reply(lent ? { t: 'chunk', id, chunk: out, lent } : { t: 'chunk', id, chunk: out }, [
      out.buffer as ArrayBuffer,
    ]);
    this.#armIdle();
  }

  protected onHead(status: number, statusText: string, headers: string[], resume: () => void): void {
    if (this.#silent || !this.headStarted(status)) return;
    this.#resume = resume;
    for (let i = 0; i < headers.length; i += 2)
      if (headers[i]!.toLowerCase() === 'content-length') this.#expected = Number(headers[i + 1]);
    // Decoded as it arrives (decode.ts); backpressure counts decoded bytes. maxResponseSize is for
    // buffered bodies: a stream is read piece by piece, so it is not limited.
    const fail = (error: WireError) => this.fail(error);
    const decode = { decompress: this.req.decompress, maxResponseSize: 0 };
    this.#decoder = dropsRedirectBody(this.req.dropRedirectBody === true, status, headers)
      ? droppingDecoder(0, fail)
      : bodyDecoder(headers, decode, this.#push, fail);
    const connection = connectionInfo(this);
    const res = packHead(
      status,
      statusText,
      headers,
      connection.protocol === 'h2' ? '2' : '1.1',
      connection,
      this.timer.timings(this.reused),
    );
    this.reply({ t: 'head', id: this.req.id, res });
  }

  protected onData(chunk: Buffer): boolean {
    this.#received += chunk.length;
    if (this.#draining) {
      if (this.#received > this.#drainLimit) this.abortNow(new Error('cancelled by the caller'));
      return true;
    }
    if (this.#silent) return true;
    // The final head came first (sink.ts) and, the exchange not being silent, made the decoder.
    this.#decoder!.write(chunk);
    if (this.#full()) {
      // The reader is behind: the server owes nothing until it catches up (the idle timer watches
      // the reader meanwhile).
      this.#paused = true;
      this.stopReadTimer();
    } else this.startReadTimer();
    return !this.#paused;
  }

  protected onEnd(trailers: string[]): void {
    this.#ended = true;
    if (this.#silent) {
      this.#finish();
      return;
    }
    // Every byte is in: what remains is decoding, which the read timeout does not cover.
    this.stopReadTimer();
    const end = (error?: Error) => {
      if (error) return this.onError(error);
      this.#flush();
      this.reply({ t: 'end', id: this.req.id, trailers, timings: this.timer.timings(this.reused, true) });
      this.#finish();
    };
    this.#decoder!.end(end);
  }

  protected onError(error: Error): void {
    if (!this.#silent) this.replyError(mapError(error));
    this.#finish();
  }
}

/** Starts one streamed exchange; it replies head, chunks, then end or error (unless cancelled). */
export function startStream(req: WireRequest, reply: Reply): void {
  startOnPool(req, reply, StreamExchange);
}
