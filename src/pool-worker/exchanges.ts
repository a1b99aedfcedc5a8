/**
 * The live exchanges of this worker, buffered and streamed alike, by id: the one place where the
 * caller's `cancel`, `credit` and `upload` messages find their exchange. An exchange is added when it
 * starts and removes itself, once, when it ends for its caller (it answered, failed or was
 * cancelled); messages for it after that are dropped.
 */

/** An exchange as the caller's messages reach it. */
export interface LiveExchange {
  /** The caller has gone: no more replies (`abort`: it gave up waiting; never drain the rest). */
  cancel(abort: boolean): void;
  /** The caller consumed `bytes` more of a streamed body (lent buffers it returned: worker.ts). */
  credit(bytes: number): void;
  /** The next chunk of a pulled upload; null ends it, `error` fails it. */
  feed(chunk: Uint8Array | null, error: string | undefined): void;
}

const live = new Map<number, LiveExchange>();

export function addExchange(id: number, exchange: LiveExchange): void {
  live.set(id, exchange);
}

export function removeExchange(id: number): void {
  live.delete(id);
}

/** The live exchange with this id; undefined once it has ended. */
export function liveExchange(id: number): LiveExchange | undefined {
  return live.get(id);
}
