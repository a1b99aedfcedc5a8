/**
 * The caller thread's handle on the pool worker (this file runs in the caller, not in the worker),
 * and the one record of caller-side state that every copy of onepool in this thread shares.
 *
 * The package ships an ESM and a CJS build, and an application may hold two installs of it: each
 * copy is a separate module instance with its own module variables. So nothing that must be one
 * per thread lives in a module variable: the worker handle, the exchange ids, the pools' settings
 * and the channels' routing tables live in one record on `globalThis`, under a `Symbol.for` key that
 * names the protocol version (as undici keeps its global dispatcher). Copies that speak the same
 * protocol share one worker and one pool; a copy with another protocol gets a record of its own.
 *
 * The worker is spawned on first use by either face and `unref()`'d at once, so it never keeps a
 * finished process alive; the async channel refs its port only while async exchanges are pending.
 * When the worker dies, every pending exchange fails, and the next call spawns a fresh worker.
 */
import { MessageChannel, type MessagePort, Worker, workerData } from 'node:worker_threads';
import { InvalidRequestError, type OnepoolError, WorkerCrashedError } from '../core/errors.js';
import type { Outbox } from '../core/outbox.js';
import { POOL_OPTION_DEFAULTS, type ResolvedPoolOptions } from '../core/pool-options.js';
import {
  CONTROL_BYTES,
  type FromWorker,
  PROTOCOL_VERSION,
  type ToWorker,
  type WorkerData,
} from '../core/protocol.js';

/** Who receives the replies for one id: an exchange until its last message, or a one-reply call. */
export interface Listener {
  message(reply: FromWorker): void;
  fail(error: OnepoolError): void;
}

/** The channels a caller thread has to the worker; pool settings are sent once per channel. */
export type ChannelName = 'async' | 'sync';

export interface WorkerHandle {
  readonly worker: Worker;
  readonly asyncPort: MessagePort;
  readonly syncPort: MessagePort;
  readonly control: Int32Array;
  alive: boolean;
  /** async listeners by id; the async port is ref'd while this is not empty */
  readonly asyncListeners: Map<number, Listener>;
  /** sync listeners by id (read between waits with receiveMessageOnPort) */
  readonly syncListeners: Map<number, (reply: FromWorker) => void>;
  /** the async channel's outbox, made (and the port listened to) on first use */
  outbox: Outbox<ToWorker> | undefined;
  /** pool id → the settings version last sent on each channel of this worker */
  readonly sent: Record<ChannelName, Map<number, number>>;
}

/** A pool's settings as the callers keep them; `version` grows with every change (0: the defaults). */
export interface PoolConfig {
  options: ResolvedPoolOptions;
  version: number;
}

interface ThreadRecord {
  worker: WorkerHandle | undefined;
  lastId: number;
  lastPoolId: number;
  /** open pools by id: 0 is the process-wide pool; private pools leave when closed */
  readonly pools: Map<number, PoolConfig>;
}

const RECORD = Symbol.for(`onepool.thread-state.v${PROTOCOL_VERSION}`);

/** The record every copy of onepool in this thread shares (made by the first copy that runs). */
export function threadRecord(): ThreadRecord {
  const global = globalThis as { [RECORD]?: ThreadRecord };
  global[RECORD] ??= {
    worker: undefined,
    lastId: 0,
    lastPoolId: 0,
    pools: new Map([[0, { options: POOL_OPTION_DEFAULTS, version: 0 }]]),
  };
  return global[RECORD];
}

const record = threadRecord();

/** Built next to this module: dist/pool-worker.js for both the ESM and the CJS build. */
const workerURL = new URL('./pool-worker.js', import.meta.url);

const insidePoolWorker = (): boolean => {
  const data = workerData as Partial<WorkerData> | null | undefined;
  return !!data && typeof data === 'object' && data.version === PROTOCOL_VERSION && !!data.syncPort;
};

/** The live worker, spawned if there is none (first use, or after a crash). */
export function workerHandle(): WorkerHandle {
  const current = record.worker;
  if (current?.alive) return current;
  if (insidePoolWorker()) {
    throw new InvalidRequestError(
      'onepool cannot be called from inside its own pool worker (it would deadlock)',
    );
  }
  record.worker = spawn();
  return record.worker;
}

/** The live worker if one was started, without starting one. */
export function existingWorker(): WorkerHandle | undefined {
  const current = record.worker;
  return current?.alive ? current : undefined;
}

function spawn(): WorkerHandle {
  const asyncChannel = new MessageChannel();
  const syncChannel = new MessageChannel();
  const control = new SharedArrayBuffer(CONTROL_BYTES);
  const data: WorkerData = {
    version: PROTOCOL_VERSION,
    asyncPort: asyncChannel.port2,
    syncPort: syncChannel.port2,
    control,
  };
  const worker = new Worker(workerURL, {
    workerData: data,
    transferList: [asyncChannel.port2, syncChannel.port2],
    name: 'onepool-pool',
    // The worker is compiled JS: it needs none of the caller's flags, and some break it (`-e` with
    // --input-type, a TypeScript loader that would slow its start).
    execArgv: [],
  });
  const handle: WorkerHandle = {
    worker,
    asyncPort: asyncChannel.port1,
    syncPort: syncChannel.port1,
    control: new Int32Array(control),
    alive: true,
    asyncListeners: new Map(),
    syncListeners: new Map(),
    outbox: undefined,
    sent: { async: new Map(), sync: new Map() },
  };
  worker.on('error', (error) => declareDead(handle, `the pool worker crashed: ${error.message}`));
  worker.on('exit', (code) => declareDead(handle, `the pool worker exited with code ${code}`));
  worker.unref();
  // The sync port never gets a listener (it is read with receiveMessageOnPort); unref it so it
  // cannot hold the process open.
  handle.syncPort.unref();
  return handle;
}

/**
 * Marks a worker dead (idempotent) and fails every async exchange pending on it (a sync caller
 * learns it from its wait). Called from the worker's 'exit'/'error' events, and by a sync caller
 * that saw the exit word while blocked (those events cannot fire while its thread waits).
 */
export function declareDead(handle: WorkerHandle, reason: string): void {
  if (!handle.alive) return;
  handle.alive = false;
  if (record.worker === handle) record.worker = undefined;
  const error = new WorkerCrashedError(`${reason}; the next request starts a new worker`);
  const listeners = [...handle.asyncListeners.values()];
  handle.asyncListeners.clear();
  handle.asyncPort.unref();
  for (const listener of listeners) listener.fail(error);
  handle.worker.terminate().catch(() => {});
}

/** Exchange ids, unique per caller thread across both channels and every copy of onepool. */
export const nextId = (): number => ++record.lastId;
