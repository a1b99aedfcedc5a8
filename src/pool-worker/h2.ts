/**
 * HTTP/2 for one pool key, on node:http2: one connection per key, shared by every exchange, with
 * streams gated by the server's SETTINGS_MAX_CONCURRENT_STREAMS and the pool's own cap (exchanges
 * beyond both wait here, in order). A new connection is opened when the current one goes away.
 *
 * It drives the exchange's sink (sink.ts), as the HTTP/1.1 path does through its undici adapter, so
 * an exchange does not know which protocol carried it.
 *
 * Streams the server did not process are replayed once on a new connection, before any byte of
 * them reached the exchange:
 * - REFUSED_STREAM (RFC 9113 §8.7: not processed), any method;
 * - above a GOAWAY's last stream id: only requests the caller marked `replayUnprocessed`
 *   (idempotent, with a body it can send again); others fail with NotProcessedError (retryable: the
 *   server says it did not process them, but the caller decides).
 */
import {
  type ClientHttp2Session,
  type ClientHttp2Stream,
  constants,
  connect as h2connect,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
} from 'node:http2';
import type { Socket } from 'node:net';
import { debugPool } from '../core/debug-log.js';
import type { TransportConfig } from '../core/transport-key.js';
import { attach, type Connection, detach, type KeyAccount } from './accounting.js';
import { type Driver, type OutgoingRequest, SlicedBytes } from './dispatch.js';
import { SettingsBackoff } from './h2-backoff.js';
import { installLeanBind } from './lean-bind.js';
import type { LimitedPool } from './limits.js';
import { poolError } from './pool-error.js';
import { type ExchangeSink, NO_FIELDS } from './sink.js';
import { tlsRefusal } from './tls-refusal.js';

// Flow-control windows as undici sizes them: node's 64 KiB default stalls large bodies on every round trip.
const STREAM_WINDOW = 256 * 1024;
const SESSION_WINDOW = 512 * 1024;

// How long a session may take to answer a PING after one of its streams was abandoned (read timeout,
// cancel) before it is presumed dead and destroyed.
const PROBE_MS = 1000;

// Connection-specific header fields are forbidden in HTTP/2 (RFC 9113 §8.2.2).
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);

// Methods whose empty body still gets `content-length: 0`, as undici sends them on HTTP/1.1.
const EXPECTS_BODY = new Set(['POST', 'PUT', 'PATCH', 'QUERY']);

/** What HTTP/2 needs of its pool key (route.ts): its accounting, its pool, and sockets to its origin. */
export interface H2Key extends KeyAccount {
  readonly url: URL;
  readonly transport: TransportConfig | undefined;
  readonly pool: LimitedPool;
  /** a socket to the origin, TLS done with ALPN `alpn` offered */
  openSocket(alpn: string[], callback: (error: Error | null, socket?: Socket) => void): void;
}

interface Pending {
  request: OutgoingRequest;
  sink: ExchangeSink;
  replays: number;
}

interface Session {
  readonly session: ClientHttp2Session;
  readonly connection: Connection;
  /** true once the server's first SETTINGS arrived: before that its stream limit is unknown */
  ready: boolean;
  /** streams open now */
  active: number;
  limit: number;
  /** the last stream id of a received GOAWAY; no new streams once set */
  goaway: number | undefined;
  idleTimer: NodeJS.Timeout | undefined;
  /** a PING is out to check the session still answers; no new streams until it does */
  probing: boolean;
  /** the pool closed it (to make room, or closing): its close says nothing about the server */
  closedHere: boolean;
  /** the session's error, if it had one */
  failure: Error | undefined;
}

export class H2Origin implements Driver {
  readonly #entry: H2Key;
  readonly #queue: Pending[] = [];
  readonly #sessions = new Set<Session>();
  #connecting = false;
  readonly #backoff = new SettingsBackoff();

  constructor(entry: H2Key) {
    this.#entry = entry;
    installLeanBind();
  }

  dispatch(request: OutgoingRequest, sink: ExchangeSink): void {
    this.#queue.push({ request, sink, replays: 0 });
    this.pump();
  }

  /** Starts queued exchanges on free stream slots; opens a connection when none can take them. */
  pump(): void {
    const cap = this.#entry.pool.options.maxConcurrentStreams;
    while (this.#queue.length > 0) {
      let best: Session | undefined;
      for (const s of this.#sessions) {
        if (!s.ready || s.probing || s.goaway !== undefined || s.session.closed || s.session.destroyed)
          continue;
        if (s.active < Math.min(s.limit, cap) && (!best || s.active < best.active)) best = s;
      }
      if (!best) break;
      this.#start(this.#queue.shift()!, best);
    }
    if (this.#queue.length === 0 || this.#connecting || this.#hasLiveSession()) return;
    const blocked = this.#backoff.blocked();
    if (blocked) this.#failQueue(blocked);
    else this.#open();
  }

  #failQueue(error: Error): void {
    for (const p of this.#queue.splice(0)) p.sink.error(error);
  }

  #hasLiveSession(): boolean {
    for (const s of this.#sessions) if (s.goaway === undefined && !s.session.closed) return true;
    return false;
  }

  #open(): void {
    this.#connecting = true;
    const entry = this.#entry;
    const failQueue = (error: Error) => {
      this.#connecting = false;
      this.#failQueue(error);
    };
    entry.pool.limits.acquire((release) => {
      entry.openSocket(['h2'], (error, socket) => {
        if (error || !socket) {
          release();
          return failQueue(error ?? new Error('no socket'));
        }
        this.#connecting = false;
        this.adopt(socket, release);
      });
    }, failQueue);
  }

  /** Runs HTTP/2 over a connected socket (TLS with ALPN h2, or TCP for prior knowledge). */
  adopt(socket: Socket, release: () => void): void {
    const session = h2connect(this.#entry.origin, {
      createConnection: () => socket,
      settings: { enablePush: false, initialWindowSize: STREAM_WINDOW },
    });
    session.once('connect', () => session.setLocalWindowSize(SESSION_WINDOW));
    const s: Session = {
      session,
      connection: this.#entry.track('h2', socket, () => {
        s.closedHere = true;
        session.close();
      }),
      ready: false,
      active: 0,
      limit: Number.POSITIVE_INFINITY,
      goaway: undefined,
      idleTimer: undefined,
      probing: false,
      closedHere: false,
      failure: undefined,
    };
    this.#sessions.add(s);
    session.on('remoteSettings', (settings) => {
      s.limit = settings.maxConcurrentStreams ?? Number.POSITIVE_INFINITY;
      s.ready = true;
      this.#backoff.settled();
      this.#idle(s);
      this.pump();
    });
    session.on('goaway', (code, lastStreamID) => {
      debugPool('connection %d GOAWAY: code %d, last stream %d', s.connection.id, code, lastStreamID);
      s.goaway = lastStreamID;
      this.pump();
    });
    // Errors reach the streams, which report them; the session's own error needs a listener.
    session.on('error', (error) => {
      s.failure = error;
    });
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      clearTimeout(s.idleTimer);
      this.#sessions.delete(s);
      this.#entry.untrack(s.connection);
      release();
      // No stream was sent on it, so the waiting exchanges could go to a new connection, but the
      // next one would most likely close the same way: they fail now, and the key backs off. A
      // refused client certificate is said as such (and a new connection would meet it again).
      if (!s.ready && !s.closedHere && !this.#hasLiveSession())
        this.#failQueue(
          tlsRefusal(socket) ??
            this.#backoff.closedBeforeSettings(this.#entry.url, this.#entry.transport, s.failure?.message),
        );
      this.pump();
    };
    session.once('close', end);
    // A session whose socket fails right after the handshake (a TLS alert) is destroyed without
    // ever emitting 'close': the socket's error ends it here.
    socket.once('error', (error) => {
      s.failure = tlsRefusal(socket) ?? s.failure ?? error;
      if (session.destroyed) end();
      else session.destroy(s.failure);
    });
  }

  /**
   * Checks with a PING that a session still answers. nghttp2 ends a session on its own when the server
   * breaks the protocol (DATA before HEADERS, a malformed frame): it sends GOAWAY and stops reading, but
   * node:http2 tells no one, so the session looks alive and every stream on it waits for its read timeout.
   * An abandoned stream is the symptom; a session that does not answer a PING is destroyed, which fails
   * its other streams at once and sends the queue to a new connection.
   */
  #probe(s: Session): void {
    if (s.probing || s.session.closed || s.session.destroyed) return;
    s.probing = true;
    const timer = setTimeout(
      () => s.session.destroy(poolError('ERR_HTTP2_SESSION_ERROR', 'the HTTP/2 session stopped answering')),
      PROBE_MS,
    );
    const answered = (error: Error | null) => {
      clearTimeout(timer);
      s.probing = false;
      if (error) s.session.destroy();
      else this.pump();
    };
    try {
      if (!s.session.ping(answered)) answered(new Error('too many pings in flight'));
    } catch (error) {
      answered(error as Error);
    }
  }

  /**
   * (Re)arms the session's idle timer once it has no stream open. A stream starting does not stop
   * it: a timer that fires while streams are open does nothing, and the last of them to close arms
   * it again. Refreshing one timer per session costs less than the clear and the new timer each
   * stream of a sequential loop made (node deletes and recreates its timer list for that duration).
   */
  #idle(s: Session): void {
    if (s.active > 0) return;
    if (s.idleTimer) s.idleTimer.refresh();
    else
      s.idleTimer = setTimeout(() => {
        if (s.active === 0) s.session.close();
      }, this.#entry.pool.options.keepAliveTimeout);
  }

  #start(p: Pending, s: Session): void {
    const { request, sink } = p;
    let stream: ClientHttp2Stream | undefined;
    let abortedWith: Error | undefined;
    let responded = false;
    let completed = false;
    let failure: Error | undefined;
    const started = sink.start((reason) => {
      abortedWith = reason;
      if (!stream) return;
      stream.close(constants.NGHTTP2_CANCEL);
      if (!completed) this.#probe(s);
    });
    if (!started) return; // the exchange ended while it waited; it has done its own accounting
    attach(sink, s.connection);
    s.active++;
    const method = request.method;
    const body = request.body;
    const bytes =
      typeof body === 'string' ? Buffer.from(body) : body instanceof Uint8Array ? body : undefined;
    // A file, a pulled upload, multipart or a progress-metered body arrives as an async iterable.
    const source = body === null || typeof body === 'string' || body instanceof Uint8Array ? undefined : body;
    // Sliced bytes are sent in chunks too, but can be sent again.
    const streamed = source !== undefined && !(source instanceof SlicedBytes);
    const headers: OutgoingHttpHeaders = {
      ':method': method,
      ':path': request.path,
      ':scheme': this.#entry.url.protocol === 'https:' ? 'https' : 'http',
      ':authority': this.#entry.url.host,
    };
    const flat = request.headers;
    for (let i = 0; i < flat.length; i += 2) {
      const name = flat[i]!.toLowerCase();
      if (HOP_BY_HOP.has(name)) continue;
      if (name === 'host') headers[':authority'] = flat[i + 1]!;
      else {
        const prev = headers[name];
        headers[name] =
          prev === undefined ? flat[i + 1]! : ([] as string[]).concat(prev as string, flat[i + 1]!);
      }
    }
    const hasBody = source !== undefined || (bytes !== undefined && bytes.byteLength > 0);
    // HTTP/2 frames the body itself, but RFC 9113 §8.1.1 lets a request carry its length, and some
    // servers and proxies refuse a body without it (lighttpd: 411 Length Required). A streamed body
    // has it only when the caller or dispatch.ts (a file's size, a sliced byte body's) set it.
    const length = body === null ? 0 : bytes?.byteLength;
    if (
      length !== undefined &&
      headers['content-length'] === undefined &&
      (length > 0 || EXPECTS_BODY.has(method))
    )
      headers['content-length'] = String(length);
    try {
      stream = s.session.request(headers, { endStream: !hasBody });
    } catch {
      // The session stopped taking streams (closing): nothing was sent, so it goes back in line.
      s.active--;
      s.goaway ??= 0;
      detach(sink);
      this.#queue.unshift(p);
      return;
    }
    if (!hasBody) sink.sent();
    else stream.once('finish', () => sink.sent());
    if (source) writeAll(stream, source);
    else if (hasBody) stream.end(bytes);
    stream.on('response', (h: IncomingHttpHeaders) => {
      responded = true;
      const fields: string[] = [];
      for (const name of Object.keys(h)) {
        if (name.charCodeAt(0) === 58 /* ':' */) continue;
        const value = h[name];
        if (Array.isArray(value)) for (const v of value) fields.push(name, v);
        else if (value !== undefined) fields.push(name, String(value));
      }
      sink.head(Number(h[':status']), '', fields, () => stream?.resume());
      // Read from now on only: node emits 'response' a tick after the HEADERS frame, so DATA that
      // came in the same read would reach the sink before its head; until this listener exists the
      // stream's own buffer (and h2 flow control) holds it.
      stream?.on('data', (chunk: Buffer) => {
        if (!sink.data(chunk)) stream?.pause();
      });
    });
    stream.on('end', () => {
      completed = true;
      sink.end(NO_FIELDS);
    });
    stream.on('error', (error) => {
      failure = error;
    });
    stream.on('close', () => {
      s.active--;
      this.#idle(s);
      if (!completed && !abortedWith) {
        const refused = stream!.rstCode === constants.NGHTTP2_REFUSED_STREAM;
        const aboveGoaway = s.goaway !== undefined && (stream!.id ?? Infinity) > s.goaway;
        if (!responded && (refused || aboveGoaway)) this.#unprocessed(p, s, aboveGoaway, streamed);
        else if (!responded && stream!.rstCode === constants.NGHTTP2_ENHANCE_YOUR_CALM)
          // nghttp2 resets a stream with ENHANCE_YOUR_CALM when the response's header list exceeds
          // the limit we advertise (node does not say which side sent the reset; a server resetting
          // an unanswered stream with this code is rare and is reported the same way).
          sink.error(
            poolError('UND_ERR_HEADERS_OVERFLOW', 'the response header list exceeds the limit (HTTP/2)'),
          );
        else
          sink.error(
            failure ??
              poolError('ERR_HTTP2_STREAM_ERROR', `HTTP/2 stream closed with code ${stream!.rstCode}`),
          );
      }
      this.pump();
    });
  }

  /** A stream the server did not process: replay it once, or fail it with a retryable error. */
  #unprocessed(p: Pending, s: Session, goaway: boolean, streamed: boolean): void {
    const method = p.request.method;
    detach(p.sink);
    // A streamed body has been consumed: it cannot be sent again, whatever the method. A refused
    // stream is replayed whatever its method, as it always was, so the flag is not consulted:
    // REFUSED_STREAM is the server's answer about this very stream, that it did nothing with it
    // (RFC 9113 §8.7). Above a GOAWAY's last stream id the caller's `replayUnprocessed` decides.
    if (p.replays === 0 && !streamed && (!goaway || p.request.replayUnprocessed)) {
      p.replays++;
      this.#entry.replayed++;
      this.#queue.unshift(p);
      return;
    }
    const why = streamed
      ? `the server did not process this ${method} and its streamed body cannot be sent again`
      : goaway
        ? `the server sent GOAWAY (last stream ${s.goaway}) before processing this ${method}`
        : 'the server refused the stream again (REFUSED_STREAM)';
    p.sink.error(poolError('ONEPOOL_ERR_NOT_PROCESSED', `${why}; it was not processed and is safe to retry`));
  }

  async close(): Promise<void> {
    for (const p of this.#queue.splice(0))
      p.sink.error(poolError('ONEPOOL_ERR_POOL_CLOSED', 'the pool was closed'));
    await Promise.all(
      [...this.#sessions].map(
        (s) =>
          new Promise<void>((resolve) => (s.session.closed ? resolve() : s.session.close(() => resolve()))),
      ),
    );
  }
}

/** Writes a streamed request body with backpressure; a failing source resets the stream. */
async function writeAll(stream: ClientHttp2Stream, source: AsyncIterable<Uint8Array>): Promise<void> {
  try {
    for await (const chunk of source) {
      if (stream.destroyed) return;
      if (!stream.write(chunk)) await drainedOrClosed(stream);
    }
    if (!stream.destroyed) stream.end();
  } catch (error) {
    stream.destroy(error as Error);
  }
}

/**
 * Resolves on the stream's next 'drain' or its 'close', whichever comes first, and removes both
 * listeners then: a long upload waits here once per backpressured write, and listeners left behind
 * would pile up on the stream (MaxListenersExceededWarning after ten) until it closes.
 */
function drainedOrClosed(stream: ClientHttp2Stream): Promise<void> {
  return new Promise<void>((resolve) => {
    const settle = () => {
      stream.off('drain', settle);
      stream.off('close', settle);
      resolve();
    };
    stream.on('drain', settle);
    stream.on('close', settle);
  });
}
