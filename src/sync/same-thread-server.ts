/**
 * The sync face's most confusing failure: a call to a server that runs on the caller's own thread.
 * The call blocks the thread, so the server never gets to accept or answer, and all the caller sees
 * is a timeout. A timeout against a loopback address while this thread has a listening TCP server
 * gets the README's rule added to its message.
 */
import { ConnectTimeoutError, ReadTimeoutError } from '../core/errors.js';

const HINT =
  ' (this thread has a listening server, and a sync call blocks its thread: a server on the same ' +
  'thread cannot answer until the call returns; run the server in another thread or process, or ' +
  'use the async face)';

function isLoopback(hostname: string): boolean {
  const host = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host === '::1' ||
    /^127\./.test(host) ||
    /^::ffff:127\./i.test(host)
  );
}

/** `error`, with the same-thread hint when it is a timeout that such a server would explain. */
export function withSameThreadHint(error: unknown, url: URL): unknown {
  if (!(error instanceof ReadTimeoutError || error instanceof ConnectTimeoutError)) return error;
  if (!isLoopback(url.hostname)) return error;
  // Only asked once a call has timed out; the pool worker's own handles are not this thread's.
  if (!process.getActiveResourcesInfo().includes('TCPServerWrap')) return error;
  const before = error.message;
  error.message = before + HINT;
  if (error.stack) error.stack = error.stack.replace(before, error.message);
  return error;
}
