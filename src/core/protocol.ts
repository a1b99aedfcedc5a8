/**
 * The only contract between a caller thread and the pool worker. Every message that crosses the
 * boundary is declared here, as plain structured-clone-safe data.
 *
 * One pool worker serves every thread of the process. A thread finds it on the lobby, a
 * BroadcastChannel with a fixed name that reaches every thread (see pool-worker/lobby.ts); the pool
 * answers with the names of two BroadcastChannels unique to that caller thread and that pool (the
 * thread that spawned the pool uses two MessagePorts it handed over instead), which carry the same
 * messages:
 * - async: replies arrive as 'message' events;
 * - sync: read with receiveMessageOnPort, woken through the caller's control block (a
 *   SharedArrayBuffer) that the worker bumps after every sync reply.
 * A BroadcastChannel cannot transfer: there, bodies are copied (the transfer lists below are dropped).
 *
 * One exchange is one request message in and one reply out: `response` (status, headers and the
 * whole body, whose ArrayBuffer is transferred, never copied) or `error`. Requests carry an id; a
 * reply whose id the caller no longer waits for (a call that timed out) is dropped.
 *
 * A streamed exchange (`req.stream`) answers `head`, then `chunk`s (ArrayBuffers transferred), then
 * `end` (with trailers) or `error`. A `lent` chunk's ArrayBuffer is one of the worker's few reused
 * buffers: the caller copies the bytes out and hands the buffer back with a later `credit`, so a
 * long stream reuses a handful of buffers instead of leaving one dead buffer per chunk behind. The
 * worker keeps at most STREAM_WINDOW bytes sent but not yet acknowledged by `credit`; past that it
 * pauses undici, so a slow reader slows the server through TCP or h2 flow control. A streamed upload (`req.upload.kind === 'pull'`) is pulled chunk by chunk:
 * the worker sends `pull`, the caller answers `upload` (chunk, or null at the end).
 */

import type { PackedRequest } from './packed-request.js';
import type { PackedHead, PackedResponse } from './packed-response.js';
import type { ResolvedPoolOptions } from './pool-options.js';
import type { WireProxy } from './proxy.js';
import type { PoolStats } from './stats.js';
import type { WireTimings } from './timings.js';
import type { TransportConfig } from './transport-key.js';
import type { WireError } from './wire-error.js';

/**
 * Bumped whenever a message changes shape: copies of onepool share a worker only when it matches.
 * 3: TransportConfig.socketPath (a worker that ignored it would connect over TCP instead) and
 * WireRequest.dropRedirectBody.
 * 4: one pool worker per process, reached over BroadcastChannels (the lobby, `settings` with
 * per-option stamps, process-unique ids), lent stream chunks (`chunk.lent`, `credit.returned`) and
 * the timings of `end`.
 * 5: ExchangeMessage carries the request packed in an array (packed-request.ts).
 * 6: `response` and `head` carry the response packed in an array (packed-response.ts).
 */
export const PROTOCOL_VERSION = 6;

/**
 * Indexes into the Int32Array over a control block. Each caller thread has one (SEQ: its wake-ups);
 * the pool worker has one (STATE, HEARTBEAT) that every caller reads.
 */
export const Control = {
  /** Caller block: bumped by the worker after every reply posted on this caller's sync channel (and at its exit). */
  SEQ: 0,
  /** Pool block: 0 while starting, RUNNING once serving, EXITED | exitCode (low byte) once dead. */
  STATE: 1,
  /** Pool block: a counter the worker bumps every HEARTBEAT_MS while any exchange is pending. */
  HEARTBEAT: 2,
} as const;
export const CONTROL_BYTES = 16;
export const STATE_RUNNING = 1;
export const STATE_EXITED = 0x100;

/** Writes a pool's death into its control block (once: the first writer's exit code stays). */
export function markExited(control: Int32Array, code: number): void {
  if (Atomics.load(control, Control.STATE) & STATE_EXITED) return;
  Atomics.store(control, Control.STATE, STATE_EXITED | (code & 0xff));
}

/** The exit code in a control block's state word, or undefined while the pool runs. */
export const exitCode = (state: number): number | undefined =>
  state & STATE_EXITED ? state & 0xff : undefined;
export const HEARTBEAT_MS = 100;
/**
 * A pool whose heartbeat has not moved for this long while this caller has exchanges pending is
 * dead (a worker terminated with its owner thread runs no exit handler, so its exit word is never
 * written): with the callers' checks every HEARTBEAT_MS, pending exchanges fail within 1 s.
 */
export const UNRESPONSIVE_MS = 800;

/** One exchange, resolved: everything the worker needs and nothing it would have to interpret. */
export interface WireRequest {
  id: number;
  method: string;
  /** scheme://host:port */
  origin: string;
  /** path and query, already encoded */
  path: string;
  /** flat [name, value, name, value, ...]: order and repeated names are kept */
  headers: string[];
  body: Uint8Array | null;
  /** ms; 0 disables */
  connectTimeout: number;
  /** ms between two bytes from the server, from when the request has been sent; 0 disables */
  readTimeout: number;
  /** ms without progress sending the request body; 0 disables */
  writeTimeout: number;
  /** the pool key (see transport-key.ts), computed once per configuration by the caller */
  key: string;
  /** the transport configuration behind `key`; absent for the default configuration */
  transport: TransportConfig | undefined;
  /** decode a gzip, deflate or br Content-Encoding in the worker */
  decompress: boolean;
  /** bytes of (decoded) body at most; 0 disables */
  maxResponseSize: number;
  /** the proxy for this exchange (part of `key`); absent for a direct connection */
  proxy?: WireProxy;
  /** 0 for the process-wide pool, else a private pool's id */
  pool: number;
  /**
   * The pool's settings, on the first exchange of each channel after they changed (a private pool:
   * its first exchange); the worker applies them before this exchange, unless it has newer ones.
   */
  poolSettings?: WirePoolSettings;
  /**
   * The caller follows redirects: the body of a 301/302/303/307/308 with a Location is read off the
   * connection and dropped, never decoded (it answers with an empty body).
   */
  dropRedirectBody?: boolean;
  /** answer with head / chunk / end instead of one `response` */
  stream?: boolean;
  /** a body the worker produces or pulls itself (`body` is null then) */
  upload?: WireUpload;
  /** send `progress` messages while the request body goes out */
  uploadProgress?: boolean;
  /**
   * The worker may send this request again, once, when the server says it did not process it (an
   * HTTP/2 stream above a GOAWAY's last stream id): its method is idempotent and its body can be sent
   * again. The caller decides (its retry policy owns the method list); the worker only obeys.
   */
  replayUnprocessed: boolean;
  /**
   * A sync call with a CancelToken waits on the token's wake word (so cancel() from another thread
   * wakes it): the worker bumps that word after each reply to this exchange, as it does the caller's SEQ.
   */
  wake?: SharedArrayBuffer;
}

/**
 * A pool's settings: the options a caller set, each with the stamp of the call that set it
 * (process-wide comparable, see stamps.ts). The worker keeps, option by option, the value with the
 * newest stamp, so settings from several threads merge in any arrival order and may be sent twice.
 * `version` is the newest stamp (what a caller has already sent).
 */
export interface WirePoolSettings {
  version: number;
  options: Partial<ResolvedPoolOptions>;
  stamps: Partial<Record<keyof ResolvedPoolOptions, number>>;
}

/**
 * A failed exchange. `reused` and `responseStarted` let the caller's policy recognise a stale
 * keep-alive connection (a reused connection that failed before any response byte).
 */
export interface WireFailure {
  t: 'error';
  id: number;
  error: WireError;
  /** the exchange ran on a connection an earlier exchange had used */
  reused?: boolean;
  /** at least one byte of the response (its status line) had arrived */
  responseStarted?: boolean;
  /** how long its phases took until it failed (optional on the wire: see WireResponse.timings) */
  timings?: WireTimings;
}
/** A request body that does not cross the boundary in one piece. */
export type WireUpload =
  /** a file read by the worker */
  | { kind: 'file'; path: string }
  /** chunks pulled from the caller with `pull` / `upload` */
  | { kind: 'pull' }
  /** multipart/form-data built by the worker with undici's FormData */
  | { kind: 'multipart'; parts: WirePart[] };

export type WirePart =
  | { name: string; value: string }
  | { name: string; data: Uint8Array; filename?: string; type?: string }
  | { name: string; path: string; filename?: string; type?: string };

/** Bytes a streamed exchange may have sent and not yet seen credited. */
export const STREAM_WINDOW = 2 * 1024 * 1024;

export interface WireConnection {
  /** process-wide connection number, from 1 */
  id: number;
  /** true when an earlier exchange used this connection */
  reused: boolean;
  protocol: 'h1' | 'h2';
}

/**
 * A buffered response as the caller reads it; it crosses packed (ResponseMessage, packed-response.ts),
 * as a WireRequest does.
 */
export interface WireResponse {
  status: number;
  statusText: string;
  /** flat [name, value, ...] as received (names in their original case) */
  headers: string[];
  httpVersion: '1.1' | '2';
  connection: WireConnection;
  /**
   * How long the exchange's phases took, measured in the worker (a head's: no download, no total).
   * Every reply of this protocol carries them; absent only where a caller rebuilds a result without
   * them (timingsFromWire then says unmeasured).
   */
  timings?: WireTimings;
  body: Uint8Array;
}

/** The head of a streamed response as the caller reads it; its body follows as `chunk`s. */
export type WireHead = Omit<WireResponse, 'body'>;

/** The reply of a buffered exchange: the whole response, packed. */
export interface ResponseMessage {
  t: 'response';
  id: number;
  res: PackedResponse;
}

/** The first reply of a streamed exchange: the response's head, packed. */
export interface HeadMessage {
  t: 'head';
  id: number;
  res: PackedHead;
}

/** Test-only ways to kill the worker; used by the failure tests. */
export type CrashMode = 'exit' | 'throw';

/**
 * Starts one exchange; `id` is the request's, repeated so every message with a reply has it at the
 * top. The request is packed (packed-request.ts); the worker unpacks it into a WireRequest.
 */
export interface ExchangeMessage {
  t: 'exchange';
  id: number;
  req: PackedRequest;
}

export type ToWorker =
  | ExchangeMessage
  /** several messages posted in one turn (async channel only; see outbox.ts) */
  | { t: 'batch'; messages: ToWorker[] }
  /** `abort`: the caller gave up waiting (timeout.total, a signal): close, never drain, a streamed rest */
  | { t: 'cancel'; id: number; abort?: boolean }
  | { t: 'stats'; id: number; pool?: number }
  /** pool settings on their own (configurePool in a thread connected to the pool); no reply */
  | { t: 'settings'; pool: number; settings: WirePoolSettings }
  /** closes a private pool: idle connections now, busy ones when their exchanges end; answered with 'ok' */
  | { t: 'close-pool'; id: number; pool: number }
  /** the caller has consumed `bytes` more of a streamed body; `returned`: lent chunk buffers, given back */
  | { t: 'credit'; id: number; bytes: number; returned?: ArrayBuffer[] }
  /** the next chunk of a pulled upload; null ends it; `error` aborts it */
  | { t: 'upload'; id: number; chunk: Uint8Array | null; error?: string }
  | { t: 'crash'; how: CrashMode; afterMs: number }
  /** test-only: collect garbage in the worker and report its heap (the leak tests) */
  | { t: 'heap'; id: number };

export type FromWorker =
  | ResponseMessage
  | RetiredMessage
  /** several replies completed in one turn (async channel only; see outbox.ts); `id` is unused */
  | { t: 'batch'; id: 0; messages: FromWorker[] }
  | WireFailure
  | { t: 'stats'; id: number; stats: PoolStats }
  | { t: 'ok'; id: number }
  /** `lentMade`: how many lent stream buffers the worker has made (lent-buffers.ts), for the memory tests */
  | { t: 'heap'; id: number; heapUsed: number; lentMade: number }
  | HeadMessage
  /** `lent`: copy the bytes out and give `chunk.buffer` back with a credit (it will be written again) */
  | { t: 'chunk'; id: number; chunk: Uint8Array; lent?: true }
  /** a streamed body ended; trailers as a flat [name, value, ...] list */
  | { t: 'end'; id: number; trailers: string[]; timings?: WireTimings }
  /** the worker wants the next chunk of a pulled upload */
  | { t: 'pull'; id: number }
  /** request body bytes handed to the connection so far (throttled); total when known */
  | { t: 'progress'; id: number; transferred: number; total: number | undefined };

/** Messages after which nothing more comes for their id. */
export const isFinal = (m: FromWorker): boolean =>
  m.t === 'response' || m.t === 'error' || m.t === 'stats' || m.t === 'end' || m.t === 'ok' || m.t === 'heap';

/** What the pool worker receives in workerData. */
export interface WorkerData {
  version: number;
  role: 'onepool-pool';
  /** the pool's control block (STATE, HEARTBEAT), made by the spawner so it can write the exit word */
  control: SharedArrayBuffer;
  /**
   * The spawner's own channels: MessagePorts (they transfer ArrayBuffers, where a BroadcastChannel
   * copies them); the pool welcomes it on `syncPort` at once.
   */
  owner: {
    caller: string;
    /** the spawner's connection attempt: its hellos are answered on the ports, later ones are new connections */
    attempt: number;
    control: SharedArrayBuffer;
    asyncPort: import('node:worker_threads').MessagePort;
    syncPort: import('node:worker_threads').MessagePort;
  };
}

/**
 * Messages on the lobby (the fixed-name BroadcastChannel every thread and every pool worker can open).
 * A caller says `hello` until a pool `welcome`s it; pools announce themselves with `pool-up`, and of
 * two pools the younger retires (see pool-worker/lobby.ts).
 */
export type LobbyMessage =
  /** a caller thread looking for the pool; `control` is its own control block (SEQ) */
  | { t: 'hello'; caller: string; attempt: number; control: SharedArrayBuffer }
  /** the pool's answer: the caller's channels are `${channel}.a` and `${channel}.s` */
  | { t: 'welcome'; caller: string; channel: string; threadId: number; control: SharedArrayBuffer }
  /** a pool worker started (or answers another's announcement); `birth` orders pools by age */
  | { t: 'pool-up'; pool: string; birth: number; threadId: number }
  /** a caller thread is exiting: the pool drops its channels */
  | { t: 'bye'; caller: string }
  /** a worker thread found no pool: it asks the main thread to start one (a pool lives as long as its starter) */
  | { t: 'need-pool'; caller: string }
  /** the main thread's answer: it is starting (or connecting to) the pool */
  | { t: 'starting'; caller: string };

/** Sent by a retiring pool on both of a caller's channels: new calls go to the older pool. */
export interface RetiredMessage {
  t: 'retired';
  id: 0;
}
