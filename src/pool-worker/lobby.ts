/**
 * The names of the BroadcastChannels between caller threads and the pool worker (one place, used by
 * both sides). A MessagePort can only reach a thread this thread created; a BroadcastChannel reaches
 * every thread of the process, so it is how a thread finds a pool worker some other thread started.
 *
 * - The lobby (fixed name, protocol version in it): callers say `hello`, pools `welcome` them and
 *   announce themselves with `pool-up`.
 * - A caller's channels: a name unique to one caller thread and one pool worker, so only those two
 *   hold an instance and a BroadcastChannel acts as a point-to-point channel (`.a` async, `.s` sync).
 */
import { PROTOCOL_VERSION } from '../core/protocol.js';

export const LOBBY = `onepool.v${PROTOCOL_VERSION}.lobby`;

/** The channel-name stem of one caller thread's link to one pool. */
export const callerChannel = (caller: string, pool: string): string =>
  `onepool.v${PROTOCOL_VERSION}.link.${caller}.${pool}`;

/** A name for this thread (caller or pool): its threadId plus a random part (two processes never meet). */
export const threadKey = (prefix: string, threadId: number): string =>
  `${prefix}${threadId}-${Math.random().toString(36).slice(2, 10)}`;
