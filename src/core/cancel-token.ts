/**
 * A cancellation that crosses threads: its state is a SharedArrayBuffer, so a token posted to another
 * thread (postMessage, workerData, a piscina task) is the same token there. `cancel()` in any thread
 * wakes a sync call blocked on it at once: the sync face waits on the token's wake word (the pool
 * worker bumps it after each reply to that call too), and `cancel()` notifies it. The async face
 * watches it with Atomics.waitAsync. An AbortSignal cannot do this: it does not cross threads, and a
 * blocked thread runs no listeners.
 */
import { InvalidArgumentError } from './errors.js';

/** Word indexes: CANCELLED (0/1), WAKE (bumped by cancel() and by replies), MAGIC (marks a token). */
const CANCELLED = 0;
const WAKE = 1;
const MAGIC = 2;
const MAGIC_VALUE = 0x0ce1_7043;
const TOKEN_BYTES = 12;

/** A CancelToken as it arrives in another thread through postMessage: a plain copy of its fields. */
export interface PostedCancelToken {
  /** The token's shared state (the same memory as the original's). */
  readonly buffer: SharedArrayBuffer;
}

/**
 * A cancellation object that can be posted to other threads and passed as `cancel` to either face:
 * `token.cancel()` (in any thread) fails the calls that carry it with AbortedError, waking a blocked
 * `httpSync` call at once, and cancels their exchanges in the pool worker. Once cancelled it stays
 * cancelled. A token that arrived through postMessage is a plain object: pass it as `cancel` as it
 * is, or call `CancelToken.from(it)` to cancel from that thread.
 */
export class CancelToken {
  /** The shared state (what postMessage carries). */
  readonly buffer: SharedArrayBuffer;
  /** a view of `buffer`, made once (a private field: postMessage copies `buffer` only) */
  readonly #words: Int32Array;

  /** @param buffer internal: the state of an existing token (see {@link CancelToken.from}) */
  constructor(buffer?: SharedArrayBuffer) {
    if (buffer === undefined) {
      this.buffer = new SharedArrayBuffer(TOKEN_BYTES);
      Atomics.store(new Int32Array(this.buffer), MAGIC, MAGIC_VALUE);
    } else {
      if (!isTokenBuffer(buffer)) throw new InvalidArgumentError('not the buffer of a CancelToken');
      this.buffer = buffer;
    }
    this.#words = new Int32Array(this.buffer);
  }

  /** The token itself, or the token a posted copy stands for. Throws InvalidArgumentError for anything else. */
  static from(value: CancelToken | PostedCancelToken): CancelToken {
    if (value instanceof CancelToken) return value;
    const buffer = (value as { buffer?: unknown } | null)?.buffer;
    if (!isTokenBuffer(buffer)) {
      throw new InvalidArgumentError('cancel must be a CancelToken (or one posted from another thread)');
    }
    return new CancelToken(buffer);
  }

  /** Cancels every call that carries this token, in every thread. Idempotent. */
  cancel(): void {
    Atomics.store(this.#words, CANCELLED, 1);
    wakeToken(this.buffer);
  }

  /** true once cancel() was called in any thread (read by a sync wait at every wake-up). */
  get cancelled(): boolean {
    return Atomics.load(this.#words, CANCELLED) === 1;
  }
}

function isTokenBuffer(buffer: unknown): buffer is SharedArrayBuffer {
  return (
    buffer instanceof SharedArrayBuffer &&
    buffer.byteLength === TOKEN_BYTES &&
    Atomics.load(new Int32Array(buffer), MAGIC) === MAGIC_VALUE
  );
}

/** The word a sync call with this token waits on (cancel() and the pool's replies notify it). */
export function wakeWord(token: CancelToken): { words: Int32Array; index: number } {
  return { words: new Int32Array(token.buffer), index: WAKE };
}

/** Bumps a token's wake word (the pool worker, after a reply to a call that carries the token). */
export function wakeToken(buffer: SharedArrayBuffer): void {
  const words = new Int32Array(buffer);
  Atomics.add(words, WAKE, 1);
  Atomics.notify(words, WAKE);
}

type WaitAsync = (
  words: Int32Array,
  index: number,
  value: number,
) => { async: false; value: string } | { async: true; value: Promise<string> };

/**
 * Calls `onCancel` once when the token is cancelled (async face). Returns the release, which stops
 * watching (it notifies the wake word, so the pending Atomics.waitAsync ends).
 */
export function watchToken(token: CancelToken, onCancel: () => void): () => void {
  const words = new Int32Array(token.buffer);
  const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;
  let active = true;
  const loop = (): void => {
    if (!active) return;
    const seen = Atomics.load(words, WAKE);
    if (Atomics.load(words, CANCELLED) === 1) {
      active = false;
      onCancel();
      return;
    }
    const wait = waitAsync(words, WAKE, seen);
    if (wait.async) wait.value.then(loop);
    else queueMicrotask(loop);
  };
  loop();
  return () => {
    if (!active) return;
    active = false;
    Atomics.notify(words, WAKE);
  };
}
