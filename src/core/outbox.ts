/**
 * Messages to one MessagePort, sent in batches: everything posted before the next flush leaves as
 * one `{ t: 'batch' }` message. Under load a postMessage costs more than the work it carries (a
 * structured clone plus a wake-up of the other thread: 26 % of the pool worker's time at 64
 * concurrent exchanges before batching); a lone message still leaves alone, unwrapped.
 *
 * The caller flushes at the end of its microtask turn (the requests issued by one burst of
 * continuations leave together); the worker flushes after the poll phase of its event loop (the
 * replies completed by one turn's I/O leave together). Both keep the order of messages, so a
 * `cancel` can never overtake the exchange it cancels.
 */
import type { Transferable } from 'node:worker_threads';

interface Item<M> {
  message: M;
  transfer: Transferable[];
}

export interface Port<M> {
  postMessage(message: M | { t: 'batch'; messages: M[] }, transfer?: Transferable[]): void;
}

export class Outbox<M> {
  readonly #port: Port<M>;
  readonly #schedule: (flush: () => void) => void;
  readonly #unsendable: (message: M, error: Error) => void;
  #items: Item<M>[] = [];

  /**
   * @param schedule when to flush (queueMicrotask, setImmediate)
   * @param unsendable told about a message that cannot be cloned (a DataCloneError): nothing was sent
   */
  constructor(
    port: Port<M>,
    schedule: (flush: () => void) => void,
    unsendable: (message: M, error: Error) => void,
  ) {
    this.#port = port;
    this.#schedule = schedule;
    this.#unsendable = unsendable;
  }

  post(message: M, transfer: Transferable[] = []): void {
    this.#items.push({ message, transfer });
    if (this.#items.length === 1) this.#schedule(this.#flush);
  }

  readonly #flush = (): void => {
    const items = this.#items;
    this.#items = [];
    if (items.length === 1) {
      this.#send(items[0]!);
      return;
    }
    const transfer: Transferable[] = [];
    for (const item of items) for (const t of item.transfer) transfer.push(t);
    try {
      this.#port.postMessage({ t: 'batch', messages: items.map((item) => item.message) }, transfer);
    } catch {
      // One message could not be cloned: send them one by one, so only that one fails.
      for (const item of items) this.#send(item);
    }
  };

  #send(item: Item<M>): void {
    try {
      this.#port.postMessage(item.message, item.transfer);
    } catch (error) {
      this.#unsendable(item.message, error as Error);
    }
  }
}
