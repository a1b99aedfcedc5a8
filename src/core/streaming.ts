/**
 * The caller's side of a streamed exchange, shared by both faces: the state of one streamed body
 * ({@link StreamState}: chunks received and not yet read, credits, end, trailers, error, download
 * progress), the response head both streaming responses show ({@link StreamHead}), and the handling
 * of a request body's interim messages (`pull`, `progress`) for any exchange ({@link interimHandler}).
 * The faces add only how they wait: a promise, or a blocking pump.
 */
import type { OnepoolError } from './errors.js';
import { Headers } from './headers.js';
import type { PreparedRequest } from './options.js';
import { unpackHead } from './packed-response.js';
import type { ExchangeResult } from './policy.js';
import { ProgressMeter } from './progress.js';
import { type FromWorker, STREAM_WINDOW, type ToWorker, type WireHead } from './protocol.js';
import { type ConnectionInfo, Response } from './response.js';
import { type Timings, timingsFromWire, type WireTimings } from './timings.js';
import { UploadFeeder } from './upload.js';
import { failure } from './wire.js';

/** Consumed bytes are credited back to the worker in steps of this size (fewer messages). */
const CREDIT_STEP = STREAM_WINDOW / 4;

type Post = (message: ToWorker, transfer?: ArrayBuffer[]) => void;

export class StreamState {
  readonly id: number;
  readonly request: PreparedRequest;
  head: WireHead | undefined;
  readonly chunks: Uint8Array[] = [];
  ended = false;
  /** the caller has read to the end of the body */
  finished = false;
  /** the caller cancelled (or broke out of the loop) */
  cancelled = false;
  error: OnepoolError | undefined;
  trailers: string[] | undefined;
  /** the latest timings the worker sent: the head's, then the end's (or the error's) */
  timings: WireTimings | undefined;
  readonly #post: Post;
  readonly #interim: ((reply: FromWorker) => void) | undefined;
  #uncredited = 0;
  /** lent chunk buffers already copied out, to give back with the next credit */
  #returned: ArrayBuffer[] = [];
  #meter: ProgressMeter | undefined;

  constructor(
    id: number,
    request: PreparedRequest,
    post: Post,
    interim: ((r: FromWorker) => void) | undefined,
  ) {
    this.id = id;
    this.request = request;
    this.#post = post;
    this.#interim = interim;
  }

  /** Takes one message from the worker; returns true when nothing more will come. */
  accept(reply: FromWorker): boolean {
    switch (reply.t) {
      case 'head': {
        this.head = unpackHead(reply.res);
        this.timings = this.head.timings;
        const callback = this.request.onDownloadProgress;
        if (callback) {
          const length = new Headers(this.head.headers).get('content-length');
          this.#meter = new ProgressMeter(callback, length === null ? undefined : Number(length));
        }
        return false;
      }
      case 'chunk':
        // A chunk already on its way when the caller cancelled: nobody will read it.
        if (this.cancelled) {
          if (reply.lent) {
            this.#returned.push(reply.chunk.buffer as ArrayBuffer);
            this.#giveBack();
          }
          return false;
        }
        if (reply.lent) {
          // A copy of our own, which V8 counts against this thread's heap, so this thread's collector
          // frees it soon after the reader drops it; the worker's buffer goes back to be written again.
          // Moved buffers are not counted: kept, a reader that never yields (the sync face) would let
          // them pile up by the hundred MiB before anything collected them.
          this.chunks.push(reply.chunk.slice());
          this.#returned.push(reply.chunk.buffer as ArrayBuffer);
        } else this.chunks.push(reply.chunk);
        return false;
      case 'end':
        this.ended = true;
        this.trailers = reply.trailers;
        this.timings = reply.timings ?? this.timings;
        return true;
      case 'error':
        this.timings = reply.timings ?? this.timings;
        this.error = failure(reply, this.request);
        return true;
      default:
        this.#interim?.(reply);
        return false;
    }
  }

  /** Whether a read can proceed without waiting. */
  get ready(): boolean {
    return this.chunks.length > 0 || this.ended || this.error !== undefined || this.cancelled;
  }

  /**
   * The next chunk, or null at the end of the body; throws the exchange's error. Call when `ready`.
   */
  take(): Uint8Array | null {
    // After cancel() nothing more is read, even what had arrived before it, on both faces alike.
    if (this.cancelled) return null;
    const chunk = this.chunks.shift();
    if (chunk) {
      this.#uncredited += chunk.byteLength;
      if (this.#uncredited >= CREDIT_STEP) {
        this.#credit(this.#uncredited);
        this.#uncredited = 0;
      }
      this.#meter?.add(chunk.byteLength);
      return chunk;
    }
    if (this.error) {
      this.#giveBack();
      throw this.error;
    }
    if (this.ended && !this.finished) {
      this.finished = true;
      this.#giveBack();
      this.#meter?.done();
    }
    return null;
  }

  /**
   * Hands the lent buffers not yet given back to the worker, with no credit (the worker takes them
   * back even after the exchange has ended): a body shorter than a credit step would otherwise keep
   * its buffers, and the worker would make new ones for the next stream.
   */
  #giveBack(): void {
    if (this.#returned.length > 0) this.#credit(0);
  }

  /** Credits `bytes` to the worker, handing back the lent buffers copied out since the last credit. */
  #credit(bytes: number): void {
    const returned = this.#returned;
    this.#returned = [];
    this.#post({ t: 'credit', id: this.id, bytes, returned }, returned);
  }

  /**
   * Drops what was received and not read, so that every read after it ends the body, and stops the
   * exchange in the worker when it is still running. True when it stopped a running exchange (the
   * async face then closes its channel entry).
   */
  cancel(): boolean {
    if (this.cancelled || this.finished) return false;
    this.cancelled = true;
    this.chunks.length = 0;
    this.#giveBack();
    if (this.ended || this.error) return false;
    this.#post({ t: 'cancel', id: this.id });
    return true;
  }

  /**
   * Fails the exchange from the caller's side (timeout.total, the AbortSignal): the worker is told
   * to stop, and the next read throws `error`. False when the body had already ended or stopped.
   */
  abort(error: OnepoolError): boolean {
    if (this.ended || this.error || this.cancelled) return false;
    this.error = error;
    this.chunks.length = 0;
    this.#post({ t: 'cancel', id: this.id, abort: true });
    this.#giveBack();
    return true;
  }
}

/**
 * What hands a lent chunk's buffer back to the worker when nobody will read the chunk (a reply the
 * channel drops: its exchange was cancelled or abandoned); undefined for any other reply. Without
 * it, every stream broken early would strand the buffers on their way, and the worker make more.
 */
export function unreadReturn(reply: FromWorker): { message: ToWorker; transfer: ArrayBuffer[] } | undefined {
  if (reply.t !== 'chunk' || !reply.lent) return undefined;
  const returned = [reply.chunk.buffer as ArrayBuffer];
  return { message: { t: 'credit', id: reply.id, bytes: 0, returned }, transfer: returned };
}

const NO_BODY = new Uint8Array(0);

/** A streamed head with its whole body, as a buffered exchange's result. */
export function headResult(wire: WireHead, body: Uint8Array, timings = wire.timings): ExchangeResult {
  return { ...wire, body, timings };
}

/** The response head of a streamed exchange, the same on both faces. */
export abstract class StreamHead {
  /** The HTTP status code. */
  readonly status: number;
  /** The reason phrase on HTTP/1.1 (empty on HTTP/2, which has none). */
  readonly statusText: string;
  /** The response headers (names case-insensitive). */
  readonly headers: Headers;
  /** The URL that produced this response. */
  readonly url: string;
  /** The HTTP version the response came with. */
  readonly httpVersion: '1.1' | '2';
  /** The connection that carries the body. */
  readonly connection: ConnectionInfo;
  /** @internal */
  protected readonly state: StreamState;
  #trailers: Headers | undefined;
  #history: readonly Response[] = [];
  #retries = 0;

  /** @internal made by a face's stream() */
  constructor(state: StreamState) {
    const head = state.head!;
    this.state = state;
    this.status = head.status;
    this.statusText = head.statusText;
    this.headers = new Headers(head.headers);
    this.url = state.request.url.href;
    this.httpVersion = head.httpVersion;
    this.connection = Object.freeze({ ...head.connection });
  }

  /** true for 2xx */
  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  /**
   * How long the phases of the final exchange took, measured in the pool worker (see
   * {@link Timings}): up to the head while the body is still arriving (no `download`, no `total`),
   * complete once the worker has delivered its end.
   */
  get timings(): Timings {
    return timingsFromWire(this.state.timings, this.connection.reused);
  }

  /** The redirect responses that led here, oldest first; their bodies were not read (they are empty). */
  get history(): readonly Response[] {
    return this.#history;
  }

  /** How many retries the call made before this response (stale-connection retries included). */
  get retries(): number {
    return this.#retries;
  }

  /** @internal set by the policy: where this response stands in its call */
  place(history: readonly Response[], retries: number): void {
    this.#history = Object.freeze([...history]);
    this.#retries = retries;
  }

  /** @internal this head as a buffered Response with `body` (empty: a body that was not read) */
  toResponse(body: Uint8Array = NO_BODY): Response {
    return new Response(this.result(body), this.url, this.#history, this.#retries);
  }

  /**
   * @internal Drops the body at once, without waiting (a response the policy does not return: a
   * redirect it follows, a status it retries). The worker drains a small HTTP/1.1 rest, so the
   * connection is kept, and closes the connection (or resets the h2 stream) otherwise.
   */
  abstract discard(): void;

  /** Reads the rest of the body into one buffer (a promise on the async face). */
  abstract bytes(): Uint8Array | Promise<Uint8Array>;

  /** @internal the request this answers */
  get request(): PreparedRequest {
    return this.state.request;
  }

  /** @internal this head with a whole body, as a buffered exchange's result */
  result(body: Uint8Array): ExchangeResult {
    return headResult(this.state.head!, body);
  }

  /** The trailers (HTTP/1.1 chunked or h2), once the body has been read to its end; undefined before. */
  get trailers(): Headers | undefined {
    if (!this.state.finished || !this.state.trailers) return undefined;
    this.#trailers ??= new Headers(this.state.trailers);
    return this.#trailers;
  }
}

/**
 * What to do with a request body's interim messages: answer `pull` with the next chunk of a streamed
 * body, and report `progress`. Undefined when the request needs neither (most requests).
 */
export function interimHandler(
  request: PreparedRequest,
  id: number,
  post: (message: ToWorker) => void,
  mode: 'sync' | 'async',
): ((reply: FromWorker) => void) | undefined {
  const source = request.upload?.source;
  const callback = request.onUploadProgress;
  if (!source && !callback) return undefined;
  const feeder = source ? new UploadFeeder(source) : undefined;
  const meter = callback ? new ProgressMeter(callback, undefined) : undefined;
  const failed = (error: unknown) => {
    feeder?.close();
    post({ t: 'upload', id, chunk: null, error: (error as Error)?.message ?? String(error) });
  };
  return (reply) => {
    if (reply.t === 'progress') {
      meter?.set(reply.transferred, reply.total);
    } else if (reply.t === 'pull' && feeder) {
      if (mode === 'async') {
        feeder.nextAsync().then((chunk) => post({ t: 'upload', id, chunk }), failed);
        return;
      }
      let chunk: Uint8Array | null;
      try {
        chunk = feeder.nextSync();
      } catch (error) {
        failed(error);
        return;
      }
      post({ t: 'upload', id, chunk });
    }
  };
}
