/**
 * One of a caller thread's two channels to the pool worker: a BroadcastChannel whose name the pool
 * gives in its welcome (unique to this thread and that pool, so it is point-to-point). Until the
 * welcome arrives the channel has no name yet: messages wait here, in order, already cloned, so a
 * message that cannot be cloned still fails at once, where it is posted.
 *
 * A BroadcastChannel cannot transfer ArrayBuffers: bodies are copied (transfer lists are ignored).
 */
import { BroadcastChannel, receiveMessageOnPort, type Transferable } from 'node:worker_threads';

/** `Out`: what this side posts; `In`: what it receives. */
export class Link<Out, In> {
  #channel: BroadcastChannel | undefined;
  #waiting: Out[] = [];
  #listener: ((message: In) => void) | undefined;
  #refed = false;

  /** Opens the channel the pool named and sends what waited. */
  open(name: string): void {
    const channel = new BroadcastChannel(name);
    this.#channel = channel;
    if (this.#listener) this.#listen(channel, this.#listener);
    if (this.#refed) channel.ref();
    else channel.unref();
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const message of waiting) channel.postMessage(message);
  }

  get opened(): boolean {
    return this.#channel !== undefined;
  }

  postMessage(message: Out, _transfer?: Transferable[]): void {
    if (this.#channel) this.#channel.postMessage(message);
    else this.#waiting.push(structuredClone(message));
  }

  /** Routes messages to `listener` as events (the async face); the channel stays unref'd until ref(). */
  on(_event: 'message', listener: (message: In) => void): void {
    this.#listener = listener;
    if (this.#channel) this.#listen(this.#channel, listener);
  }

  /** Reads one message without waiting (the sync face, or a check before a liveness decision). */
  receive(): In | undefined {
    if (!this.#channel) return undefined;
    const got = receiveMessageOnPort(this.#channel as never) as { message: In } | undefined;
    return got?.message;
  }

  ref(): void {
    this.#refed = true;
    this.#channel?.ref();
  }

  unref(): void {
    this.#refed = false;
    this.#channel?.unref();
  }

  close(): void {
    this.#waiting = [];
    this.#channel?.close();
  }

  #listen(channel: BroadcastChannel, listener: (message: In) => void): void {
    channel.onmessage = (event) => listener((event as MessageEvent).data as In);
    if (!this.#refed) channel.unref();
  }
}
