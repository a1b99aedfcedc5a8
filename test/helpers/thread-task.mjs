// The work one thread does in the multi-thread tests (a plain worker thread or a piscina worker):
// calls one origin with both faces and reports what it saw, errors as plain { code, name } objects.
import { createHash } from 'node:crypto';
import { threadId } from 'node:worker_threads';
import { configurePool, http, httpSync } from 'onepool';

const plainError = (error) => ({ code: error?.code, name: error?.name, message: error?.message });

/** Runs `call` and gives its status, or the error it threw as a plain object. */
async function outcome(call) {
  try {
    return (await call()).status;
  } catch (error) {
    return plainError(error);
  }
}

/**
 * `url`: what to GET; `ca`: the server's certificate (https); `syncCalls` sequential sync GETs, then
 * `asyncCalls` concurrent async GETs; `hangUrl`: first one sync GET of it (a server that never
 * answers), whose outcome is reported as `hung` (`hangFace: 'async'`: an async GET instead); `cancel`:
 * a CancelToken for that GET; `configure`:
 * configurePool() options to set first; `streamUrl`: read it with `stream()` on both faces and report
 * each body's size and SHA-256 as `streamed`.
 */
export default async function task({
  url,
  ca,
  syncCalls = 0,
  asyncCalls = 0,
  hangUrl,
  hangFace = 'sync',
  cancel,
  configure,
  streamUrl,
}) {
  if (configure) configurePool(configure);
  const options = ca ? { tls: { ca } } : {};
  const result = { threadId, statuses: [] };
  if (hangUrl) {
    const hangOptions = { ...options, ...(cancel ? { cancel } : {}) };
    const face = hangFace === 'async' ? http : httpSync;
    result.hung = await outcome(() => face.get(hangUrl, hangOptions));
  }
  for (let i = 0; i < syncCalls; i++) result.statuses.push(await outcome(() => httpSync.get(url, options)));
  const concurrent = Array.from({ length: asyncCalls }, () => outcome(() => http.get(url, options)));
  result.statuses.push(...(await Promise.all(concurrent)));
  if (streamUrl) {
    const digest = (hash, bytes) => ({ bytes, sha256: hash.digest('hex') });
    const sync = createHash('sha256');
    let syncBytes = 0;
    for (const chunk of httpSync.stream('GET', streamUrl, options)) {
      sync.update(chunk);
      syncBytes += chunk.byteLength;
    }
    const async = createHash('sha256');
    let asyncBytes = 0;
    for await (const chunk of await http.stream('GET', streamUrl, options)) {
      async.update(chunk);
      asyncBytes += chunk.byteLength;
    }
    result.streamed = { sync: digest(sync, syncBytes), async: digest(async, asyncBytes) };
  }
  result.workerThreadId = httpSync.pool.stats().workerThreadId;
  return result;
}
