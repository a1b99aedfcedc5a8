/**
 * The pool worker's side of the lobby (runs in the worker): the caller threads it serves, each over
 * two BroadcastChannels unique to that caller and this pool, and the settling of two pools.
 *
 * A caller says `hello` (with its control block) until it is welcomed; the pool opens the caller's
 * channels, answers `welcome` and wakes the caller (it may be blocked in a sync call). A repeated
 * hello is answered again with the same channels. The thread that spawned the pool is welcomed at
 * once on the MessagePorts it handed over (they transfer bodies; BroadcastChannels copy them).
 *
 * Two pools can start at once (threads of two families, see spawn-lock.ts, or a false death). Each
 * announces itself with `pool-up`; the elder answers with its own, and the younger retires: it
 * welcomes nobody any more, tells its callers (`retired`: their new calls connect again and reach
 * the elder), finishes what is pending, and exits.
 */
import { BroadcastChannel, type MessagePort, type Transferable, threadId } from 'node:worker_threads';
import { Outbox } from '../core/outbox.js';
import {
  Control,
  type FromWorker,
  type LobbyMessage,
  type ToWorker,
  type WorkerData,
} from '../core/protocol.js';
import { stamp } from '../core/stamps.js';
import { takeBack } from './lent-buffers.js';
import { callerChannel, LOBBY, threadKey } from './lobby.js';

/** One of a caller's two channels: a MessagePort (the spawner's) or a BroadcastChannel (any other thread). */
export interface Channel {
  post(message: FromWorker, transfer?: Transferable[]): void;
  close(): void;
}

function portChannel(
  port: MessagePort,
  onMessage: (message: ToWorker) => void,
  onClose: () => void,
): Channel {
  port.on('message', onMessage);
  port.on('close', onClose);
  return { post: (message, transfer) => port.postMessage(message, transfer), close: () => port.close() };
}

function broadcastChannel(name: string, onMessage: (message: ToWorker) => void): Channel {
  const channel = new BroadcastChannel(name);
  channel.onmessage = (event) => onMessage((event as MessageEvent).data as ToWorker);
  // A BroadcastChannel cannot transfer: the transfer list is dropped and the bodies are copied.
  return { post: (message) => channel.postMessage(copied(message)), close: () => channel.close() };
}

/**
 * A reply as it goes over a BroadcastChannel: the caller receives a clone of every lent chunk, a
 * buffer its own heap counts, so there is nothing to give back, and the lent buffer is free again
 * once the reply is cloned. A clone of a view copies its whole buffer (320 KiB): a chunk that fills
 * less than half of it is copied out at its own size first.
 */
function copied(message: FromWorker): FromWorker {
  if (message.t === 'batch') {
    if (!message.messages.some(isLent)) return message;
    return { ...message, messages: message.messages.map(copied) };
  }
  if (message.t !== 'chunk' || !message.lent) return message;
  const lentChunk = message.chunk;
  const buffer = lentChunk.buffer as ArrayBuffer;
  // Cloned as it is when it fills most of its buffer (one copy, up to 2x its bytes); a small one is
  // cut out first (a copy of its own size, then the clone's).
  const chunk = lentChunk.byteLength * 2 >= buffer.byteLength ? lentChunk : lentChunk.slice();
  // postMessage clones the reply as soon as this returns: the buffer is free again after that.
  queueMicrotask(() => takeBack([buffer]));
  return { t: 'chunk', id: message.id, chunk };
}

const isLent = (message: FromWorker): boolean => message.t === 'chunk' && message.lent === true;

/** One caller thread as the pool sees it. */
export interface Caller {
  readonly key: string;
  readonly async: Channel;
  readonly sync: Channel;
  /** the caller's control block: SEQ is bumped after every reply on its sync channel */
  readonly control: Int32Array;
  /** async replies completed in one event-loop turn leave in one message (see outbox.ts) */
  readonly asyncOutbox: Outbox<FromWorker>;
}

export interface CallerHandlers {
  /** a message from a caller, on its async or its sync channel */
  message(caller: Caller, channel: 'async' | 'sync', message: ToWorker): void;
  /** a reply that cannot be cloned, to be replaced by an error (see worker.ts) */
  unsendable(message: FromWorker, error: Error): FromWorker;
  /** this pool retired: exit once nothing is pending */
  retired(): void;
}

const callers = new Map<string, Caller>();
const poolKey = threadKey('p', threadId);
/** When this pool started, on the clock every thread shares: of two pools, the elder stays. */
const birth = stamp();
let isRetired = false;

/** Wakes a caller blocked on its control block. */
export function wake(caller: Caller): void {
  Atomics.add(caller.control, Control.SEQ, 1);
  Atomics.notify(caller.control, Control.SEQ);
}

/** Every caller this pool serves (the exit handler wakes them all). */
export const allCallers = (): Iterable<Caller> => callers.values();

export const retired = (): boolean => isRetired;

function register(
  key: string,
  callerControl: SharedArrayBuffer,
  handlers: CallerHandlers,
  open: (onAsync: (m: ToWorker) => void, onSync: (m: ToWorker) => void) => { async: Channel; sync: Channel },
): Caller {
  let caller: Caller | undefined;
  const channels = open(
    (message) => handlers.message(caller!, 'async', message),
    (message) => handlers.message(caller!, 'sync', message),
  );
  caller = {
    key,
    ...channels,
    control: new Int32Array(callerControl),
    asyncOutbox: new Outbox<FromWorker>(
      { postMessage: (message, transfer) => channels.async.post(message as FromWorker, transfer) },
      setImmediate,
      (message, error) => channels.async.post(handlers.unsendable(message, error)),
    ),
  };
  callers.set(key, caller);
  return caller;
}

/** Welcomes the thread that spawned this pool on the MessagePorts it handed over. */
export function adoptOwner(
  owner: WorkerData['owner'],
  poolControl: SharedArrayBuffer,
  handlers: CallerHandlers,
): void {
  const caller = register(owner.caller, owner.control, handlers, (onAsync, onSync) => ({
    async: portChannel(owner.asyncPort, onAsync, () => forget(owner.caller)),
    sync: portChannel(owner.syncPort, onSync, () => forget(owner.caller)),
  }));
  owner.syncPort.postMessage({
    t: 'welcome',
    caller: owner.caller,
    channel: '',
    threadId,
    control: poolControl,
  } satisfies LobbyMessage);
  adopted.set(owner.caller, owner.attempt);
  wake(caller);
}

/**
 * The spawner's connection attempt, while it is on MessagePorts: hellos of that attempt are not
 * answered (its welcome is on its port); a later attempt (its connection was given up, e.g. after a
 * heartbeat that looked dead) is welcomed on BroadcastChannels like any other thread.
 */
const adopted = new Map<string, number>();

/** Opens the lobby and announces this pool; `control` is the pool's control block (sent in welcomes). */
export function openLobby(control: SharedArrayBuffer, handlers: CallerHandlers): void {
  const lobby = new BroadcastChannel(LOBBY);
  const announce = (): void =>
    lobby.postMessage({ t: 'pool-up', pool: poolKey, birth, threadId } satisfies LobbyMessage);
  lobby.onmessage = (event) => {
    const message = (event as MessageEvent).data as LobbyMessage;
    switch (message.t) {
      case 'hello':
        if (isRetired || adopted.get(message.caller) === message.attempt) return;
        if (adopted.has(message.caller)) forget(message.caller);
        welcome(lobby, message.caller, message.control, control, handlers);
        return;
      case 'pool-up':
        if (message.pool === poolKey) return;
        if (message.birth < birth || (message.birth === birth && message.threadId < threadId)) {
          retire(handlers);
        } else if (!isRetired) announce();
        return;
      case 'bye':
        forget(message.caller);
        return;
      default:
    }
  };
  announce();
}

function welcome(
  lobby: BroadcastChannel,
  key: string,
  callerControl: SharedArrayBuffer,
  poolControl: SharedArrayBuffer,
  handlers: CallerHandlers,
): void {
  const name = callerChannel(key, poolKey);
  const caller =
    callers.get(key) ??
    register(key, callerControl, handlers, (onAsync, onSync) => ({
      async: broadcastChannel(`${name}.a`, onAsync),
      sync: broadcastChannel(`${name}.s`, onSync),
    }));
  lobby.postMessage({
    t: 'welcome',
    caller: key,
    channel: name,
    threadId,
    control: poolControl,
  } satisfies LobbyMessage);
  wake(caller);
}

function retire(handlers: CallerHandlers): void {
  if (isRetired) return;
  isRetired = true;
  for (const caller of callers.values()) {
    caller.async.post({ t: 'retired', id: 0 } satisfies FromWorker);
    caller.sync.post({ t: 'retired', id: 0 } satisfies FromWorker);
    wake(caller);
  }
  handlers.retired();
}

function forget(key: string): void {
  const caller = callers.get(key);
  if (!caller) return;
  callers.delete(key);
  adopted.delete(key);
  caller.async.close();
  caller.sync.close();
}
