/**
 * The election of the thread that starts the pool worker, exact among the threads that share one
 * lock: a SharedArrayBuffer in `worker_threads` environment data, which every Worker this thread
 * creates later (and their children) inherits, shared, not copied. The first thread of a family to
 * need a pool takes the lock with a compare-and-swap and spawns; the others wait for its welcome.
 *
 * Threads started before onepool was first loaded in their family (siblings of the main thread's
 * earlier workers, or all threads when the main thread never loads onepool) have locks of their own:
 * two families can each start a pool. That race is settled on the lobby (see worker.ts: of two pools,
 * the younger retires), so the lock only makes the common case spawn once.
 */
import { getEnvironmentData, setEnvironmentData, threadId } from 'node:worker_threads';
import { PROTOCOL_VERSION } from '../core/protocol.js';

const KEY = `onepool.v${PROTOCOL_VERSION}.spawn-lock`;
/**
 * Word 0: the holder's threadId + 1 (0: free); word 1: when it was taken, in seconds since
 * LEASE_EPOCH; word 2: how many times it was taken (pools this family started); word 3: 1 when the
 * main thread of the family has onepool loaded (it starts pools for the others on request).
 */
const HOLDER = 0;
const TAKEN_AT = 1;
const TAKEN = 2;
const MAIN_LISTENS = 3;
/** A holder that neither released the lock nor got a pool in this long is presumed dead. */
const LEASE_S = 5;
const LEASE_EPOCH = 1_700_000_000;

const nowS = (): number => Math.floor(Date.now() / 1000) - LEASE_EPOCH;

/** This thread's lock (inherited, or made here and passed on to the threads it starts from now on). */
function lockWords(): Int32Array {
  let buffer = getEnvironmentData(KEY) as SharedArrayBuffer | undefined;
  if (!(buffer instanceof SharedArrayBuffer)) {
    buffer = new SharedArrayBuffer(16);
    setEnvironmentData(KEY, buffer);
  }
  return new Int32Array(buffer);
}

/** Takes the lock for this thread; false when another live holder has it. */
export function tryLock(): boolean {
  const words = lockWords();
  const me = threadId + 1;
  const holder = Atomics.compareExchange(words, HOLDER, 0, me);
  if (holder !== 0 && holder !== me) {
    if (nowS() - Atomics.load(words, TAKEN_AT) <= LEASE_S) return false;
    if (Atomics.compareExchange(words, HOLDER, holder, me) !== holder) return false;
  }
  Atomics.store(words, TAKEN_AT, nowS());
  Atomics.add(words, TAKEN, 1);
  return true;
}

/** true once a thread of this family has started a pool worker. */
export function spawnedBefore(): boolean {
  return Atomics.load(lockWords(), TAKEN) > 0;
}

/** Releases the lock if this thread holds it. */
export function releaseLock(): void {
  Atomics.compareExchange(lockWords(), HOLDER, threadId + 1, 0);
}

/** Makes the lock now, so that threads this one starts later share it (called when onepool loads). */
export function shareLock(): void {
  lockWords();
}

/** The main thread says it starts pools on request (see handle.ts). */
export function markMainListens(): void {
  Atomics.store(lockWords(), MAIN_LISTENS, 1);
}

/** true when this family's main thread has onepool loaded. */
export function mainListens(): boolean {
  return Atomics.load(lockWords(), MAIN_LISTENS) === 1;
}
