/**
 * Progress reports for uploads and downloads, the same on both faces. Reports are throttled (at most
 * one per PROGRESS_INTERVAL_MS, plus the final one), so a callback costs little however small the
 * chunks are.
 */

export interface Progress {
  /** bytes so far */
  transferred: number;
  /** bytes expected, when known (Content-Length, a file's size); equals `transferred` at the end */
  total: number | undefined;
  /** 0 to 100 when `total` is known, else undefined; exactly 100 at the end */
  percent: number | undefined;
}

/** The `onUploadProgress` and `onDownloadProgress` options: called at most every 50 ms, and once at the end. */
export type ProgressCallback = (progress: Progress) => void;

export const PROGRESS_INTERVAL_MS = 50;

export class ProgressMeter {
  readonly #callback: ProgressCallback;
  #total: number | undefined;
  #transferred = 0;
  #last = 0;
  #done = false;
  /** the last report said 100 % of a known total: the final report would only repeat it */
  #reachedTotal = false;

  constructor(callback: ProgressCallback, total: number | undefined) {
    this.#callback = callback;
    this.#total = total;
  }

  /** Counts `bytes` more; reports when the last report is old enough. */
  add(bytes: number): void {
    if (this.#done) return;
    this.#transferred += bytes;
    const now = Date.now();
    if (now - this.#last < PROGRESS_INTERVAL_MS) return;
    this.#last = now;
    this.#report();
  }

  /** Sets the count (for counts measured elsewhere, e.g. by the worker). */
  set(transferred: number, total: number | undefined): void {
    if (this.#done) return;
    this.#total = total;
    if (transferred !== total) {
      this.add(transferred - this.#transferred);
      return;
    }
    this.#transferred = transferred;
    this.done();
  }

  /**
   * The final report: once, with percent 100 (total becomes what was transferred when unknown);
   * not sent when the last report already said 100 % of the same total.
   */
  done(): void {
    if (this.#done) return;
    this.#done = true;
    if (this.#reachedTotal && this.#transferred === this.#total) return;
    this.#total ??= this.#transferred;
    this.#report();
  }

  #report(): void {
    const total = this.#total;
    const percent = this.#done
      ? 100
      : total === undefined
        ? undefined
        : total === 0
          ? 0
          : Math.min(100, (this.#transferred / total) * 100);
    this.#reachedTotal = percent === 100;
    this.#callback({ transferred: this.#transferred, total, percent });
  }
}
