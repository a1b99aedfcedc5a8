/**
 * The caller thread's handle on the pool worker (this file runs in the caller, not in the worker).
 *
 * The worker is spawned on first use by either face and `unref()`'d at once, so it never keeps a
 * finished process alive; the async channel refs its port only while async exchanges are pending.
 * When the worker dies, every listener registered with {@link onWorkerDeath} fails its pending
 * exchanges, and the next call spawns a fresh worker.
 */
import { MessageChannel, type MessagePort, Worker, workerData } from 'node:worker_threads';
import { InvalidRequestError, WorkerCrashedError } from '../core/errors.js';
import { CONTROL_BYTES, PROTOCOL_VERSION, type WorkerData } from '../core/protocol.js';

export interface WorkerHandle {
  readonly worker: Worker;
  readonly asyncPort: MessagePort;
  readonly syncPort: MessagePort;
  readonly control: Int32Array;
  alive: boolean;
  /** async exchanges waiting for a reply on this worker; the async port is ref'd while > 0 */
  asyncPending: number;
}

type DeathListener = (handle: WorkerHandle, error: WorkerCrashedError) => void;

const deathListeners: DeathListener[] = [];
let current: WorkerHandle | undefined;

/** Built next to this module: dist/pool-worker.js for both the ESM and the CJS build. */
const workerURL = new URL('./pool-worker.js', import.meta.url);

const insidePoolWorker = (): boolean => {
  const data = workerData as Partial<WorkerData> | null | undefined;
  return !!data && typeof data === 'object' && data.version === PROTOCOL_VERSION && !!data.syncPort;
};

export function onWorkerDeath(listener: DeathListener): void {
  deathListeners.push(listener);
}

/** The live worker, spawned if there is none (first use, or after a crash). */
export function workerHandle(): WorkerHandle {
  if (current?.alive) return current;
  if (insidePoolWorker()) {
    throw new InvalidRequestError(
      'onepool cannot be called from inside its own pool worker (it would deadlock)',
    );
  }
  current = spawn();
  return current;
}

/** The live worker if one was started, without starting one. */
export function existingWorker(): WorkerHandle | undefined {
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
    asyncPending: 0,
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
 * Marks a worker dead (idempotent) and fails everything pending on it. Called from the worker's
 * 'exit'/'error' events, and by a sync caller that saw the exit word while blocked (those events
 * cannot fire while its thread waits).
 */
export function declareDead(handle: WorkerHandle, reason: string): void {
  if (!handle.alive) return;
  handle.alive = false;
  if (current === handle) current = undefined;
  const error = new WorkerCrashedError(`${reason}; the next request starts a new worker`);
  for (const listener of deathListeners) listener(handle, error);
  handle.asyncPort.unref();
  handle.worker.terminate().catch(() => {});
}

let lastId = 0;
/** Exchange ids, unique per caller thread across both channels. */
export const nextId = (): number => ++lastId;
