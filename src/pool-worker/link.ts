/**
 * One of a caller thread's two channels to the pool worker. Until the pool's welcome arrives the
 * channel is not open yet: messages wait here, in order, already cloned, so a message that cannot be
 * cloned still fails at once, where it is posted.
 *
 * The thread that started the pool worker talks to it over MessagePorts it handed over at spawn:
 * ArrayBuffers are transferred, never copied. Every other thread uses a BroadcastChannel whose name
 * the pool gives in its welcome (unique to that thread and that pool, so it is point-to-point; a
 * MessagePort cannot reach a thread this one did not create): a BroadcastChannel cannot transfer, so
 * bodies are copied there (transfer lists are ignored).
 */
import {
  BroadcastChannel,
  type MessagePort,
  receiveMessageOnPort,
  type Transferable,
} from 'node:worker_threads';

type Endpoint = { kind: 'port'; port: MessagePort } | { kind: 'broadcast'; channel: BroadcastChannel };

/** `Out`: what this side posts; `In`: what it receives. */
export class Link<Out, In> {
  #endpoint: Endpoint | undefined;
  #waiting: Out[] = [];
  #listener: ((message: In) => void) | undefined;
  #refed = false;

  /** Opens the BroadcastChannel the pool named, or the MessagePort this thread handed it, and sends what waited. */
  open(target: string | MessagePort): void {
    const endpoint: Endpoint =
      typeof target === 'string'
        ? { kind: 'broadcast', channel: new BroadcastChannel(target) }
        : { kind: 'port', port: target };
    this.#endpoint = endpoint;
    if (this.#listener) this.#listen(endpoint, this.#listener);
    this.#applyRef();
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const message of waiting) this.postMessage(message);
  }

  postMessage(message: Out, transfer: Transferable[] = []): void {
    const endpoint = this.#endpoint;
    if (!endpoint) this.#waiting.push(structuredClone(message));
    else if (endpoint.kind === 'port') endpoint.port.postMessage(message, transfer);
    else endpoint.channel.postMessage(message);
  }

  /** Routes messages to `listener` as events (the async face); the channel stays unref'd until ref(). */
  on(_event: 'message', listener: (message: In) => void): void {
    this.#listener = listener;
    if (this.#endpoint) this.#listen(this.#endpoint, listener);
  }

  /** Reads one message without waiting (the sync face, or a check before a liveness decision). */
  receive(): In | undefined {
    const endpoint = this.#endpoint;
    if (!endpoint) return undefined;
    const source = endpoint.kind === 'port' ? endpoint.port : endpoint.channel;
    const got = receiveMessageOnPort(source as MessagePort) as { message: In } | undefined;
    return got?.message;
  }

  ref(): void {
    this.#refed = true;
    this.#applyRef();
  }

  unref(): void {
    this.#refed = false;
    this.#applyRef();
  }

  close(): void {
    this.#waiting = [];
    const endpoint = this.#endpoint;
    if (endpoint?.kind === 'port') endpoint.port.close();
    else endpoint?.channel.close();
  }

  #applyRef(): void {
    const endpoint = this.#endpoint;
    if (!endpoint) return;
    const handle = endpoint.kind === 'port' ? endpoint.port : endpoint.channel;
    if (this.#refed) handle.ref();
    else handle.unref();
  }

  #listen(endpoint: Endpoint, listener: (message: In) => void): void {
    if (endpoint.kind === 'port') endpoint.port.on('message', (message: In) => listener(message));
    else endpoint.channel.onmessage = (event) => listener((event as MessageEvent).data as In);
    // Attaching a listener refs the port or channel: put the ref state back.
    this.#applyRef();
  }
}
