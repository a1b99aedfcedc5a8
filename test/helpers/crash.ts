/**
 * Worker-death scenarios: the pool worker made to die while this thread is blocked in a sync call,
 * and the time at which pending async calls settled, for the "within 1 s of the death" bounds.
 */
import { httpSync } from 'onepool';
import { crashWorker } from 'onepool/internal';

/** A promise's outcome and when it settled (ms since epoch); never rejects. */
export const settledAt = (p: Promise<unknown>): Promise<{ error: unknown; at: number }> =>
  p.then(
    () => ({ error: undefined as unknown, at: Date.now() }),
    (error: unknown) => ({ error, at: Date.now() }),
  );

/**
 * Makes the pool worker die (`how`) `afterMs` from now while this thread is blocked in a sync GET of
 * `hangUrl` (a server that never answers): what that call threw, when the death was due, and when the
 * call returned.
 */
export function syncCallThroughCrash(
  hangUrl: string,
  how: 'exit' | 'throw',
  afterMs: number,
): { error: unknown; crashAt: number; returnedAt: number } {
  const crashAt = Date.now() + afterMs;
  crashWorker(how, afterMs);
  let error: unknown;
  try {
    httpSync.get(hangUrl, { timeout: { read: 60_000 } });
  } catch (caught) {
    error = caught;
  }
  return { error, crashAt, returnedAt: Date.now() };
}
