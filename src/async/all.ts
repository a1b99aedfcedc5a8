/** `http.all()`: the async mirror of httpSync.all, as `concurrency` lanes of runAsync. */
import type { AllResult } from '../core/all.js';
import type { Policy } from '../core/policy.js';
import { runAsync } from './driver.js';

export async function runAsyncAll(
  policies: readonly (() => Policy)[],
  concurrency: number,
): Promise<AllResult[]> {
  const results = new Array<AllResult>(policies.length);
  let next = 0;
  const lane = async () => {
    while (next < policies.length) {
      const index = next++;
      try {
        results[index] = { ok: true, response: await runAsync(policies[index]!()) };
      } catch (error) {
        results[index] = { ok: false, error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, policies.length) }, lane));
  return results;
}
