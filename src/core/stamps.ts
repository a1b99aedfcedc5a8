/**
 * Stamps that order events across the threads of one process: milliseconds since the epoch, with
 * sub-millisecond precision, from the clock every thread shares (performance.timeOrigin is each
 * thread's start on that clock). Strictly increasing within one copy of onepool in one thread.
 */
let last = 0;

/** The next stamp: later than every stamp this copy made before. */
export function stamp(): number {
  const now = performance.timeOrigin + performance.now();
  last = now > last ? now : last + 0.001;
  return last;
}
