/**
 * The caller thread's handle on the pool worker (this file runs in the caller, not in the worker),
 * and the one record of caller-side state that every copy of onepool in this thread shares.
 *
 * The package ships an ESM and a CJS build, and an application may hold two installs of it: each
 * copy is a separate module instance with its own module variables. So nothing that must be one
 * per thread lives in a module variable: the worker handle, the exchange ids, the pools' settings
 * and the channels' routing tables live in one record on `globalThis`, under a `Symbol.for` key that
 * names the protocol version (as undici keeps its global dispatcher). Copies that speak the same
 * protocol share one handle; a copy with another protocol gets a record (and a pool) of its own.
 *
 * One pool worker serves every thread of the process. A thread's first call connects: it says
 * `hello` on the lobby (lobby.ts) until a pool welcomes it; when none answers within DISCOVERY_MS
 * it takes the spawn lock (spawn-lock.ts) and starts the pool worker itself (the main thread of a
 * process whose threads have not loaded onepool starts it at once). The worker is `unref()`'d, so it
 * never keeps a finished process alive; the async channel is ref'd only while async exchanges are
 * pending. A worker dies with the thread that started it: the pool's exit word (written by the
 * worker, or by its starter when the worker or the starter itself exits) and its heartbeat tell every
 * caller; pending exchanges fail with WorkerCrashedError, and the next call connects again.
 */
import {
  BroadcastChannel,
  getEnvironmentData,
  isMainThread,
  MessageChannel,
  type MessagePort,
  receiveMessageOnPort,
  threadId,
  Worker,
  workerData,
} from 'node:worker_threads';
import { InvalidRequestError, type OnepoolError, WorkerCrashedError } from '../core/errors.js';
import type { Outbox } from '../core/outbox.js';
import { POOL_OPTION_DEFAULTS, type ResolvedPoolOptions } from '../core/pool-options.js';
import {
  CONTROL_BYTES,
  Control,
  exitCode,
  type FromWorker,
  HEARTBEAT_MS,
  type LobbyMessage,
  markExited,
  PROTOCOL_VERSION,
  type ToWorker,
  UNRESPONSIVE_MS,
  type WorkerData,
} from '../core/protocol.js';
import { unreadReturn } from '../core/streaming.js';
import { Link } from './link.js';
import { LOBBY, threadKey } from './lobby.js';
import {
  mainListens,
  markMainListens,
  releaseLock,
  shareLock,
  spawnedBefore,
  tryLock,
} from './spawn-lock.js';

/** Who receives the replies for one id: an exchange until its last message, or a one-reply call. */
export interface Listener {
  message(reply: FromWorker): void;
  fail(error: OnepoolError): void;
}

/** The channels a caller thread has to the worker; pool settings are sent once per channel. */
export type ChannelName = 'async' | 'sync';

/** How long a thread listens for a pool's welcome before it starts one itself. */
const DISCOVERY_MS = 50;
/** How long a probe (stats, configurePool) of a thread that made calls before waits for a welcome. */
const PROBE_AFTER_USE_MS = 1_000;
/** How often a connecting thread says hello again (a pool that started meanwhile missed the first). */
const HELLO_MS = 10;
/** How long a worker thread waits for the main thread to say it starts the pool before starting one itself. */
const MAIN_ACK_MS = 100;
/** A thread that got no welcome in this long (its pool never came up) fails its pending calls. */
const CONNECT_TIMEOUT_MS = 15_000;

/**
 * - connecting: saying hello; messages wait in the links;
 * - ready: welcomed, the links are open;
 * - retired: the pool found an older one; exchanges pending on it finish, new ones connect again;
 * - dead: the pool died (or, for a probe, none was found).
 */
export type HandleState = 'connecting' | 'ready' | 'retired' | 'dead';

interface Connecting {
  readonly attempt: number;
  readonly startedAt: number;
  helloAt: number;
  /** this thread may start a pool worker (false for a probe: stats, configurePool) */
  maySpawn: boolean;
  discoveryMs: number;
  lobby: BroadcastChannel | undefined;
  timer: NodeJS.Timeout | undefined;
  spawned: Worker | undefined;
  spawnedExit: number | undefined;
  /** this thread's ends of the MessagePorts it handed to the pool worker it spawned */
  ports: { async: MessagePort; sync: MessagePort } | undefined;
  /** when this thread asked the main thread to start the pool; whether it answered */
  askedMainAt: number | undefined;
  mainStarting: boolean;
}

export interface WorkerHandle {
  state: HandleState;
  /** false once dead */
  alive: boolean;
  readonly asyncPort: Link<ToWorker, FromWorker>;
  readonly syncPort: Link<ToWorker, FromWorker>;
  /** this thread's control block (SEQ: its sync wake-ups) */
  readonly control: Int32Array;
  /** the pool's control block (STATE, HEARTBEAT), from the welcome */
  poolControl: Int32Array | undefined;
  /** the pool worker's threadId, from the welcome */
  poolThreadId: number | undefined;
  /** async listeners by id; the async channel is ref'd (and watched) while this is not empty */
  readonly asyncListeners: Map<number, Listener>;
  /** sync listeners by id (read between waits with receiveMessageOnPort) */
  readonly syncListeners: Map<number, (reply: FromWorker) => void>;
  /** the async channel's outbox, made (and the channel listened to) on first use */
  outbox: Outbox<ToWorker> | undefined;
  /** pool id → the settings version last sent on each channel to this pool */
  readonly sent: Record<ChannelName, Map<number, number>>;
  readonly connect: Connecting;
  /** checks the pool's liveness while async exchanges are pending */
  watchdog: NodeJS.Timeout | undefined;
  /** the heartbeat as last seen, and when it last moved (for the liveness checks) */
  beat: number;
  beatAt: number;
  /** told when the handle leaves `connecting` (ready, dead) */
  readonly settled: Array<() => void>;
}

/** A pool's settings as the callers keep them: the options set, each with its stamp. */
export interface PoolConfig {
  /** this thread's view: the defaults merged with every change it made or inherited */
  options: ResolvedPoolOptions;
  /** the options set explicitly, with the stamp of the change that set each */
  set: Partial<ResolvedPoolOptions>;
  stamps: Partial<Record<keyof ResolvedPoolOptions, number>>;
  /** the newest stamp (0: the defaults) */
  version: number;
}

interface ThreadRecord {
  worker: WorkerHandle | undefined;
  lastId: number;
  lastPoolId: number;
  /** connections this thread started (each says hello with its number) */
  lastAttempt: number;
  /** this thread's name on the lobby */
  readonly key: string;
  readonly controlBuffer: SharedArrayBuffer;
  /** open pools by id: 0 is the process-wide pool; private pools leave when closed */
  readonly pools: Map<number, PoolConfig>;
  /** handles of retired pools that still have exchanges pending (their messages must go there) */
  readonly retired: Set<WorkerHandle>;
  /** the main thread listens for worker threads that ask it to start the pool */
  startsPools: boolean;
}

/** Where configurePool leaves the process-wide pool's settings for the threads this one starts later. */
export const DEFAULTS_KEY = `onepool.v${PROTOCOL_VERSION}.pool-settings`;

/** The process-wide pool's settings as the thread that started this one had them (environment data). */
function inheritedDefaults(): PoolConfig {
  const inherited = getEnvironmentData(DEFAULTS_KEY) as Omit<PoolConfig, 'options'> | undefined;
  if (!inherited || typeof inherited !== 'object') {
    return { options: POOL_OPTION_DEFAULTS, set: {}, stamps: {}, version: 0 };
  }
  return { ...inherited, options: { ...POOL_OPTION_DEFAULTS, ...inherited.set } };
}

const RECORD = Symbol.for(`onepool.thread-state.v${PROTOCOL_VERSION}`);

/** The record every copy of onepool in this thread shares (made by the first copy that runs). */
export function threadRecord(): ThreadRecord {
  const global = globalThis as { [RECORD]?: ThreadRecord };
  if (!global[RECORD]) {
    shareLock();
    global[RECORD] = {
      worker: undefined,
      lastId: 0,
      lastPoolId: 0,
      lastAttempt: 0,
      key: threadKey('c', threadId),
      controlBuffer: new SharedArrayBuffer(CONTROL_BYTES),
      pools: new Map([[0, inheritedDefaults()]]),
      retired: new Set(),
      startsPools: false,
    };
  }
  return global[RECORD];
}

const record = threadRecord();
if (isMainThread && !record.startsPools) {
  record.startsPools = true;
  listenForPoolRequests();
}

/** Built next to this module: dist/pool-worker.js for both the ESM and the CJS build. */
const workerURL = new URL('./pool-worker.js', import.meta.url);

const insidePoolWorker = (): boolean => {
  const data = workerData as Partial<WorkerData> | null | undefined;
  return (
    !!data && typeof data === 'object' && data.version === PROTOCOL_VERSION && data.role === 'onepool-pool'
  );
};

/** The handle of this thread's connection to the pool, connecting (and if need be starting it). */
export function workerHandle(): WorkerHandle {
  const current = existingWorker();
  if (current) {
    current.connect.maySpawn = true;
    return current;
  }
  if (insidePoolWorker()) {
    throw new InvalidRequestError(
      'onepool cannot be called from inside its own pool worker (it would deadlock)',
    );
  }
  record.worker = connect(true);
  return record.worker;
}

/** This thread's connection to the pool if it has one (connecting or ready), without making one. */
export function existingWorker(): WorkerHandle | undefined {
  const current = record.worker;
  return current && (current.state === 'ready' || current.state === 'connecting') ? current : undefined;
}

/**
 * This thread's connection, or a new one that looks for a running pool but never starts one (stats,
 * configurePool): when no pool answers within DISCOVERY_MS it ends dead, quietly.
 */
export function probeWorker(): WorkerHandle | undefined {
  if (insidePoolWorker()) return undefined;
  const current = existingWorker();
  if (current) return current;
  record.worker = connect(false);
  return record.worker;
}

/** Resolves once `handle` is no longer connecting (the async face's wait for a probe). */
export function whenSettled(handle: WorkerHandle): Promise<void> {
  if (handle.state !== 'connecting') return Promise.resolve();
  return new Promise((resolve) => handle.settled.push(resolve));
}

function connect(maySpawn: boolean): WorkerHandle {
  const now = Date.now();
  const lobby = new BroadcastChannel(LOBBY);
  const handle: WorkerHandle = {
    state: 'connecting',
    alive: true,
    asyncPort: new Link<ToWorker, FromWorker>(),
    syncPort: new Link<ToWorker, FromWorker>(),
    control: new Int32Array(record.controlBuffer),
    poolControl: undefined,
    poolThreadId: undefined,
    asyncListeners: new Map(),
    syncListeners: new Map(),
    outbox: undefined,
    sent: { async: new Map(), sync: new Map() },
    connect: {
      attempt: ++record.lastAttempt,
      startedAt: now,
      helloAt: 0,
      maySpawn,
      // The main thread, before any pool of its family was started, is the first of the family: a
      // pool elsewhere is unlikely (threads started before onepool loaded), and two pools settle on the lobby.
      discoveryMs: isMainThread && !spawnedBefore() ? 0 : DISCOVERY_MS,
      lobby,
      timer: undefined,
      spawned: undefined,
      spawnedExit: undefined,
      ports: undefined,
      askedMainAt: undefined,
      mainStarting: false,
    },
    watchdog: undefined,
    beat: 0,
    beatAt: now,
    settled: [],
  };
  lobby.onmessage = (event) => onLobby(handle, (event as MessageEvent).data as LobbyMessage);
  lobby.unref();
  // Ticks while connecting, for the async face (a sync caller ticks from its wait). Ref'd: the
  // calls waiting for the connection are pending work.
  handle.connect.timer = setInterval(() => tick(handle), HELLO_MS);
  tick(handle);
  return handle;
}

/** Progresses a connection: reads the lobby, says hello again, starts a pool when none answered. */
export function tick(handle: WorkerHandle): void {
  const c = handle.connect;
  // The pool this thread spawned welcomes it on its own port first.
  const direct = c.ports && (receiveMessageOnPort(c.ports.sync) as { message: LobbyMessage } | undefined);
  if (direct && direct.message.t === 'welcome') {
    welcomed(handle, direct.message, c.ports!.async, c.ports!.sync);
    return;
  }
  if (c.lobby) {
    for (let got = receiveMessageOnPort(c.lobby as never) as { message: LobbyMessage } | undefined; got; ) {
      onLobby(handle, got.message);
      if (!c.lobby) break;
      got = receiveMessageOnPort(c.lobby as never) as { message: LobbyMessage } | undefined;
    }
  }
  if (handle.state !== 'connecting') return;
  const now = Date.now();
  const waited = now - c.startedAt;
  if (c.spawnedExit !== undefined) {
    declareDead(handle, `the pool worker exited with code ${c.spawnedExit} before it served`);
    return;
  }
  if (waited > CONNECT_TIMEOUT_MS) {
    declareDead(handle, `no pool worker answered within ${CONNECT_TIMEOUT_MS} ms`);
    return;
  }
  // A probe from a thread that was connected before waits longer: a pool most likely runs (one that
  // just replaced a dead or retired one may take a moment to answer).
  if (!c.maySpawn && waited >= (record.lastId > 0 ? PROBE_AFTER_USE_MS : DISCOVERY_MS)) {
    declareDead(handle, 'no pool worker is running');
    return;
  }
  if (c.maySpawn && !c.spawned && waited >= c.discoveryMs && mayStartPool(handle, now) && tryLock()) {
    c.spawned = spawn(handle);
  }
  if (now - c.helloAt >= HELLO_MS) {
    c.helloAt = now;
    c.lobby?.postMessage({
      t: 'hello',
      caller: record.key,
      attempt: c.attempt,
      control: record.controlBuffer,
    } satisfies LobbyMessage);
  }
}

function onLobby(handle: WorkerHandle, message: LobbyMessage): void {
  if (handle.state !== 'connecting') return;
  if (message.t === 'pool-up') {
    // A pool that just started missed the hellos said before it.
    handle.connect.helloAt = 0;
    return;
  }
  if (message.t === 'starting' && message.caller === record.key) {
    handle.connect.mainStarting = true;
    return;
  }
  if (message.t !== 'welcome' || message.caller !== record.key) return;
  welcomed(handle, message, `${message.channel}.a`, `${message.channel}.s`);
}

function welcomed(
  handle: WorkerHandle,
  message: Extract<LobbyMessage, { t: 'welcome' }>,
  async: string | MessagePort,
  sync: string | MessagePort,
): void {
  handle.poolControl = new Int32Array(message.control);
  handle.poolThreadId = message.threadId;
  handle.asyncPort.open(async);
  handle.syncPort.open(sync);
  // Ports this thread handed to a pool it then did not use (another pool answered first) are closed.
  const ports = handle.connect.ports;
  if (ports && ports.sync !== sync) {
    ports.async.close();
    ports.sync.close();
  }
  handle.state = 'ready';
  endConnecting(handle);
  if (handle.asyncListeners.size > 0) startWatchdog(handle);
}

/**
 * Whether this thread may start the pool itself now. A pool dies with the thread that started it,
 * and piscina ends idle workers as a matter of course: a worker thread whose main thread has onepool
 * loaded asks it to start the pool (the main thread lives as long as the process), and starts one
 * itself only when the main thread does not answer in MAIN_ACK_MS (it may be blocked in a sync call).
 */
function mayStartPool(handle: WorkerHandle, now: number): boolean {
  const c = handle.connect;
  if (isMainThread || !mainListens()) return true;
  if (c.mainStarting) return false;
  if (c.askedMainAt === undefined) {
    c.askedMainAt = now;
    c.lobby?.postMessage({ t: 'need-pool', caller: record.key } satisfies LobbyMessage);
    return false;
  }
  return now - c.askedMainAt >= MAIN_ACK_MS;
}

/**
 * The main thread starts the pool for worker threads that ask (see mayStartPool). Its lobby
 * listener is unref'd: it never keeps the process alive.
 */
function listenForPoolRequests(): void {
  const lobby = new BroadcastChannel(LOBBY);
  lobby.onmessage = (event) => {
    const message = (event as MessageEvent).data as LobbyMessage;
    if (message.t !== 'need-pool') return;
    lobby.postMessage({ t: 'starting', caller: message.caller } satisfies LobbyMessage);
    workerHandle();
  };
  lobby.unref();
  markMainListens();
}

function endConnecting(handle: WorkerHandle): void {
  const c = handle.connect;
  clearInterval(c.timer);
  c.lobby?.close();
  c.lobby = undefined;
  if (c.spawned) releaseLock();
  for (const settled of handle.settled.splice(0)) settled();
}

/** Pools this thread started and that still run: their exit word is written when this thread exits. */
const started = new Set<Int32Array>();
let exitHookInstalled = false;

function spawn(handle: WorkerHandle): Worker {
  const controlBuffer = new SharedArrayBuffer(CONTROL_BYTES);
  const control = new Int32Array(controlBuffer);
  const asyncChannel = new MessageChannel();
  const syncChannel = new MessageChannel();
  const data: WorkerData = {
    version: PROTOCOL_VERSION,
    role: 'onepool-pool',
    control: controlBuffer,
    owner: {
      caller: record.key,
      attempt: handle.connect.attempt,
      control: record.controlBuffer,
      asyncPort: asyncChannel.port2,
      syncPort: syncChannel.port2,
    },
  };
  asyncChannel.port1.unref();
  syncChannel.port1.unref();
  handle.connect.ports = { async: asyncChannel.port1, sync: syncChannel.port1 };
  const worker = new Worker(workerURL, {
    workerData: data,
    transferList: [asyncChannel.port2, syncChannel.port2],
    name: 'onepool-pool',
    // The worker is compiled JS: it needs none of the caller's flags, and some break it (`-e` with
    // --input-type, a TypeScript loader that would slow its start).
    execArgv: [],
  });
  started.add(control);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // This thread's workers die with it, without running their exit handlers: say so for them.
    process.once('exit', () => {
      for (const one of started) markExited(one, 0);
    });
  }
  const died = (code: number): void => {
    started.delete(control);
    markExited(control, code);
    if (handle.state === 'connecting') handle.connect.spawnedExit = code;
    const current = record.worker;
    if (current?.poolControl === control) declareDead(current, `the pool worker exited with code ${code}`);
  };
  worker.on('error', () => died(1));
  worker.on('exit', (code) => died(code));
  worker.unref();
  return worker;
}

/** Why the pool looks dead (its exit word, or a heartbeat that stopped while work is pending), or undefined. */
export function poolDeath(handle: WorkerHandle): string | undefined {
  const control = handle.poolControl;
  if (!control) return undefined;
  const code = exitCode(Atomics.load(control, Control.STATE));
  if (code !== undefined) return `the pool worker exited with code ${code}`;
  const now = Date.now();
  const beat = Atomics.load(control, Control.HEARTBEAT);
  if (beat !== handle.beat) {
    handle.beat = beat;
    handle.beatAt = now;
    return undefined;
  }
  if (now - handle.beatAt > UNRESPONSIVE_MS) {
    return `the pool worker (thread ${handle.poolThreadId}) stopped responding for ${UNRESPONSIVE_MS} ms (the thread that started it may have ended)`;
  }
  return undefined;
}

/** Starts counting heartbeat silence from now (work just became pending). */
export function resetBeat(handle: WorkerHandle): void {
  if (handle.poolControl) handle.beat = Atomics.load(handle.poolControl, Control.HEARTBEAT);
  handle.beatAt = Date.now();
}

/** Set by the async channel: drains replies already delivered before a liveness decision. */
let drainAsync: ((handle: WorkerHandle) => void) | undefined;
export function onDrainAsync(drain: (handle: WorkerHandle) => void): void {
  drainAsync = drain;
}

/** Watches the pool while async exchanges are pending (unref'd: it never holds the process). */
export function startWatchdog(handle: WorkerHandle): void {
  if (handle.watchdog || !handle.poolControl) return;
  resetBeat(handle);
  handle.watchdog = setInterval(() => {
    drainAsync?.(handle);
    if (handle.asyncListeners.size === 0) {
      stopWatchdog(handle);
      return;
    }
    const death = poolDeath(handle);
    if (death) declareDead(handle, death);
  }, HEARTBEAT_MS);
  handle.watchdog.unref();
}

export function stopWatchdog(handle: WorkerHandle): void {
  clearInterval(handle.watchdog);
  handle.watchdog = undefined;
}

/**
 * A reply no listener took, on either channel: a `retired` notice retires the handle; a lent chunk
 * nobody will read goes back to the pool through `post` (the face's own channel).
 */
export function unrouted(
  handle: WorkerHandle,
  reply: FromWorker,
  post: (message: ToWorker, transfer: ArrayBuffer[]) => void,
): void {
  if (reply.t === 'retired') {
    retire(handle);
    return;
  }
  const back = unreadReturn(reply);
  if (back) post(back.message, back.transfer);
}

/** The pool retired (it found an older one): exchanges pending on it finish there; new calls connect again. */
export function retire(handle: WorkerHandle): void {
  if (handle.state !== 'ready') return;
  handle.state = 'retired';
  if (record.worker === handle) record.worker = undefined;
  record.retired.add(handle);
}

/**
 * The handle an exchange's later messages (cancel, credit, upload) go to: the one it was posted on,
 * which is a retired one when its pool retired meanwhile.
 */
export function handleFor(id: number, channel: ChannelName): WorkerHandle | undefined {
  const current = existingWorker();
  for (const handle of record.retired) {
    const listeners = channel === 'async' ? handle.asyncListeners : handle.syncListeners;
    if (listeners.has(id)) return handle;
    if (handle.asyncListeners.size === 0 && handle.syncListeners.size === 0) forgetRetired(handle);
  }
  return current;
}

function forgetRetired(handle: WorkerHandle): void {
  record.retired.delete(handle);
  stopWatchdog(handle);
  handle.asyncPort.close();
  handle.syncPort.close();
}

/**
 * Marks a handle dead (idempotent) and fails every async exchange pending on it (a sync caller
 * learns it from its wait). Called when the pool's exit word or silent heartbeat is seen, when the
 * worker this thread started exits, and when connecting fails.
 */
export function declareDead(handle: WorkerHandle, reason: string): void {
  if (!handle.alive) return;
  handle.alive = false;
  handle.state = 'dead';
  if (record.worker === handle) record.worker = undefined;
  record.retired.delete(handle);
  endConnecting(handle);
  stopWatchdog(handle);
  const error = new WorkerCrashedError(`${reason}; the next request connects to a new pool worker`);
  const listeners = [...handle.asyncListeners.values()];
  handle.asyncListeners.clear();
  handle.asyncPort.close();
  handle.syncPort.close();
  handle.connect.ports?.async.close();
  handle.connect.ports?.sync.close();
  for (const listener of listeners) listener.fail(error);
}

/**
 * Exchange ids, unique in the process (the pool worker serves every thread): this thread's id in
 * the high bits. Shared by both channels and every copy of onepool in this thread.
 */
export const nextId = (): number => threadId * 2 ** 32 + ++record.lastId;

/** Private pool ids, unique in the process; 0 is the process-wide pool. */
export const nextPoolId = (): number => threadId * 2 ** 20 + ++record.lastPoolId;

// A thread that exits normally tells the pool to drop its channels (a terminated one cannot).
process.once('exit', () => {
  if (record.worker?.state !== 'ready') return;
  const lobby = new BroadcastChannel(LOBBY);
  lobby.postMessage({ t: 'bye', caller: record.key } satisfies LobbyMessage);
  lobby.close();
});
