/**
 * The download progress bar: size, rate and ETA on one line of stderr, redrawn in place, only on a
 * terminal (piped stderr gets the final summary alone). The sync face blocks the thread between
 * chunks, so the bar is redrawn as chunks arrive rather than on a timer.
 */

export interface ProgressSink {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB'];

/** Decimal units, as HTTPie and curl show sizes: 1.5 MB is 1 500 000 bytes. */
export function humanSize(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${UNITS[unit]}`;
}

const clock = (seconds: number): string => {
  const s = Math.max(0, Math.round(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
};

/**
 * One line: `  42% [=====>      ] 4.2 MB / 10.0 MB  1.3 MB/s  ETA 0:04`; without a total (no
 * Content-Length) no percentage, bar or ETA. `rate` is in bytes per second.
 */
export function renderBar(done: number, total: number | undefined, rate: number, columns: number): string {
  const speed = `${humanSize(Math.round(rate))}/s`;
  if (total === undefined || total <= 0) return `${humanSize(done)}  ${speed}`;
  const fraction = Math.min(1, done / total);
  const eta = rate > 0 ? `ETA ${clock((total - done) / rate)}` : 'ETA -:--';
  const tail = ` ${humanSize(done)} / ${humanSize(total)}  ${speed}  ${eta}`;
  const head = `${String(Math.floor(fraction * 100)).padStart(3)}% `;
  const width = Math.max(10, Math.min(40, columns - head.length - tail.length - 3));
  const filled = Math.floor(fraction * width);
  const bar = '='.repeat(filled) + (filled < width ? '>' : '') + ' '.repeat(Math.max(0, width - filled - 1));
  return `${head}[${bar}]${tail}`;
}

export class ProgressBar {
  readonly #sink: ProgressSink;
  readonly #total: number | undefined;
  readonly #started = Date.now();
  /** bytes already there before this run (a resumed download): counted in size, not in rate */
  readonly #offset: number;
  #done = 0;
  #drawnAt = 0;

  constructor(sink: ProgressSink, total: number | undefined, offset = 0) {
    this.#sink = sink;
    this.#total = total;
    this.#offset = offset;
  }

  /** `bytes` more arrived; redrawn at most ten times a second. */
  advance(bytes: number): void {
    this.#done += bytes;
    const now = Date.now();
    if (now - this.#drawnAt < 100) return;
    this.#drawnAt = now;
    this.#draw(now);
  }

  #draw(now: number): void {
    if (!this.#sink.isTTY) return;
    // The rate counts this run's bytes only: a resumed download's earlier part took no time now.
    const rate = rateOf(this.#done, now - this.#started);
    this.#sink.write(
      `\r\x1b[2K${renderBar(this.#done + this.#offset, this.#total, rate, this.#sink.columns ?? 80)}`,
    );
  }

  /** The final line: on a terminal it replaces the bar. */
  finish(where: string): void {
    const elapsed = Date.now() - this.#started;
    const rate = humanSize(Math.round(rateOf(this.#done, elapsed)));
    const summary = `Done. ${humanSize(this.#done + this.#offset)} in ${(elapsed / 1000).toFixed(1)} s (${rate}/s) → ${where}\n`;
    this.#sink.write(this.#sink.isTTY ? `\r\x1b[2K${summary}` : summary);
  }
}

/** bytes per second */
const rateOf = (bytes: number, ms: number): number => (ms > 0 ? (bytes * 1000) / ms : 0);
