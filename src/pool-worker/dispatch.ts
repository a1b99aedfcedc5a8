/**
 * Hands one exchange to its driver (route.ts picks undici or h2.ts), with its request body in the
 * form the drivers take: bytes as they came, a file read here (its bytes never pass through the
 * caller), chunks pulled from the caller one at a time (`pull` / `upload` messages, so a slow upload
 * holds one chunk), or multipart/form-data encoded by undici's FormData (the boundary comes from
 * crypto). Shared by the buffered and the streamed exchange.
 */
import { createReadStream, openAsBlob, statSync } from 'node:fs';
import { PROGRESS_INTERVAL_MS } from '../core/progress.js';
import type { FromWorker, WirePart, WireRequest } from '../core/protocol.js';
import type { ExchangeSink } from './sink.js';
import { undiciFetchClasses } from './undici.js';

type Reply = (message: FromWorker) => void;
type BodySource = AsyncIterable<Uint8Array>;

/**
 * One request as the drivers send it: h2.ts reads it, and the HTTP/1.1 path hands the same object
 * to undici as its dispatch options (the fields are named and shaped as undici's are).
 */
export interface OutgoingRequest {
  origin: string;
  path: string;
  method: string;
  /** flat [name, value, ...] */
  headers: string[];
  /** bytes as they came; a file, a pulled upload, multipart or a metered body as an async iterable */
  body: string | Uint8Array | BodySource | null;
  /** undici's own timers, a backstop only (ms; 0 disables) */
  headersTimeout: number;
  bodyTimeout: number;
  /** WireRequest.replayUnprocessed: h2.ts may replay it when the server did not process it */
  replayUnprocessed: boolean;
  /**
   * undici's: false keeps the connection after a HEAD, which undici otherwise closes in case the
   * server sends a body anyway. Such bytes still retire the connection: undici reads an idle
   * connection and destroys it on anything it was not waiting for (README, "HEAD requests").
   * Undefined (undici's default) for every other method: always present, so every request has
   * one shape.
   */
  reset: false | undefined;
}

/** Something that carries requests to their origin, delivering the events to the sink. */
export interface Driver {
  dispatch(request: OutgoingRequest, sink: ExchangeSink): void;
}

/**
 * How an exchange times the sending of its request body (timeout.write while it goes out,
 * timeout.read only once it is all sent). Told by the metered body below, the one place every
 * streamed, file, multipart and large byte body passes through on its way to either driver.
 */
export interface BodyTiming {
  /** The body is sent chunk by chunk: the read timer waits for `bodySent`. */
  bodyTimed(): void;
  /** A chunk is with the driver, which owes taking it within timeout.write. */
  bodyWriting(): void;
  /** The driver has taken the chunk; the next one comes from the body's source (no timer runs). */
  bodyWritten(): void;
  /** The whole body has been taken by the driver: the server owes a response from now on. */
  bodySent(): void;
}

/** An exchange as dispatching sees it: the sink of its events, the owner of a pulled upload, its body's timer. */
export type Dispatched = ExchangeSink & BodyTiming & { takeUpload(pull: Pull): void };

/**
 * A byte body sent in slices, so that its sending can be timed and its progress reported. Unlike a
 * stream it can be sent again (each iteration starts over): h2.ts may replay it.
 */
export class SlicedBytes implements BodySource {
  readonly #iterate: () => AsyncIterator<Uint8Array>;
  constructor(iterate: () => AsyncIterator<Uint8Array>) {
    this.#iterate = iterate;
  }
  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return this.#iterate();
  }
}

/** Byte bodies above this are sent as SlicedBytes; smaller ones go out with the headers in one write. */
const SLICE = 65_536;

/** A request body pulled from the caller one chunk at a time; its exchange feeds it. */
export class Pull implements BodySource {
  readonly #id: number;
  readonly #reply: Reply;
  #waiting: ((next: { chunk: Uint8Array | null; error?: string | undefined }) => void) | undefined;

  constructor(id: number, reply: Reply) {
    this.#id = id;
    this.#reply = reply;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    for (;;) {
      this.#reply({ t: 'pull', id: this.#id });
      const next = await new Promise<{ chunk: Uint8Array | null; error?: string | undefined }>((resolve) => {
        this.#waiting = resolve;
      });
      if (next.error !== undefined) throw new Error(`the request body failed: ${next.error}`);
      if (next.chunk === null) return;
      yield next.chunk;
    }
  }

  /** Delivers a chunk (from an `upload` message) to a pull that waits for one; otherwise drops it. */
  feed(chunk: Uint8Array | null, error: string | undefined): void {
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.({ chunk, error });
  }
}

/**
 * Counts bytes as the driver takes them, reports progress (throttled, then once at the end), and
 * times the sending: a driver asks for the next chunk only once it has written (and drained) the
 * last, so from yield to resume the chunk is being sent and the write timer runs.
 */
async function* metered(
  source: BodySource,
  req: WireRequest,
  total: number | undefined,
  reply: Reply,
  timing: BodyTiming,
) {
  let sent = 0;
  let last = 0;
  for await (const chunk of source) {
    sent += chunk.byteLength;
    const now = Date.now();
    // Reported as the driver takes each chunk: the last report of a body of known size must go
    // out before its last chunk, or the response could overtake it.
    if (req.uploadProgress && (sent === total || now - last >= PROGRESS_INTERVAL_MS)) {
      last = now;
      reply({ t: 'progress', id: req.id, transferred: sent, total });
    }
    timing.bodyWriting();
    yield chunk;
    timing.bodyWritten();
  }
  if (req.uploadProgress && sent !== total)
    reply({ t: 'progress', id: req.id, transferred: sent, total: total ?? sent });
  timing.bodySent();
}

async function* slices(body: Uint8Array): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < body.byteLength; at += SLICE) yield body.subarray(at, at + SLICE);
}

async function formData(parts: WirePart[]) {
  const { FormData } = undiciFetchClasses();
  const form = new FormData();
  for (const p of parts) {
    if ('value' in p) form.append(p.name, p.value);
    else if ('data' in p) form.append(p.name, new Blob([p.data], { type: p.type ?? '' }), p.filename);
    else form.append(p.name, await openAsBlob(p.path, { type: p.type ?? '' }), p.filename);
  }
  return form;
}

interface Body {
  headers: string[];
  body: string | Uint8Array | BodySource | null;
}

const hasHeader = (headers: string[], name: string): boolean => {
  for (let i = 0; i < headers.length; i += 2) if (headers[i]!.toLowerCase() === name) return true;
  return false;
};

/** A body sent chunk by chunk, metered and timed. */
function counted(
  source: BodySource,
  total: number | undefined,
  req: WireRequest,
  reply: Reply,
  exchange: Dispatched,
): AsyncGenerator<Uint8Array> {
  exchange.bodyTimed();
  return metered(source, req, total, reply, exchange);
}

/** The body and headers to dispatch; a promise only for multipart bodies with file parts. */
function requestBody(req: WireRequest, reply: Reply, exchange: Dispatched): Body | Promise<Body> {
  const upload = req.upload;
  if (!upload) {
    const bytes = req.body;
    if (!bytes || (!req.uploadProgress && bytes.byteLength <= SLICE))
      return { headers: req.headers, body: bytes };
    const headers = hasHeader(req.headers, 'content-length')
      ? req.headers
      : [...req.headers, 'content-length', String(bytes.byteLength)];
    exchange.bodyTimed();
    // Each iteration meters afresh: a replay (h2.ts) sends, times and reports the body again.
    const body = new SlicedBytes(() => metered(slices(bytes), req, bytes.byteLength, reply, exchange));
    return { headers, body };
  }
  if (upload.kind === 'file') {
    // A stat is a few microseconds on a local file; it buys Content-Length and a total for progress.
    const size = statSync(upload.path).size;
    const headers = hasHeader(req.headers, 'content-length')
      ? req.headers
      : [...req.headers, 'content-length', String(size)];
    return { headers, body: counted(createReadStream(upload.path), size, req, reply, exchange) };
  }
  if (upload.kind === 'pull') {
    const pull = new Pull(req.id, reply);
    exchange.takeUpload(pull);
    const cl = req.headers.findIndex((h, i) => i % 2 === 0 && h.toLowerCase() === 'content-length');
    const total = cl === -1 ? undefined : Number(req.headers[cl + 1]);
    return { headers: req.headers, body: counted(pull, total, req, reply, exchange) };
  }
  return formData(upload.parts).then((form) => {
    // undici's own encoder: the stream and the Content-Type with its boundary.
    const encoded = new (undiciFetchClasses().Response)(form);
    const headers = [...req.headers, 'content-type', encoded.headers.get('content-type')!];
    return { headers, body: counted(encoded.body as BodySource, undefined, req, reply, exchange) };
  });
}

function go(driver: Driver, req: WireRequest, sink: Dispatched, body: Body): void {
  const chunked = body.body !== null && typeof body.body !== 'string' && !(body.body instanceof Uint8Array);
  driver.dispatch(
    {
      origin: req.origin,
      path: req.path,
      method: req.method,
      headers: body.headers,
      body: body.body,
      // Both exchange kinds run their own exact read and write timers; undici's coarse ones
      // (~500 ms ticks) stay only as a backstop. Not for the head after a body sent in chunks:
      // undici's head timer runs from before the body, and a slow upload must not trip it.
      headersTimeout: req.readTimeout > 0 && !chunked ? req.readTimeout + 2_000 : 0,
      bodyTimeout: req.readTimeout > 0 ? req.readTimeout + 2_000 : 0,
      replayUnprocessed: req.replayUnprocessed,
      reset: req.method === 'HEAD' ? false : undefined,
    },
    sink,
  );
}

/** Dispatches `req` on `driver`; any failure before the driver takes it goes to `sink.error`. */
export function dispatchExchange(driver: Driver, req: WireRequest, reply: Reply, sink: Dispatched): void {
  try {
    const body = requestBody(req, reply, sink);
    if (body instanceof Promise)
      body.then((b) => go(driver, req, sink, b)).catch((error: Error) => sink.error(error));
    else go(driver, req, sink, body);
  } catch (error) {
    sink.error(error as Error);
  }
}
