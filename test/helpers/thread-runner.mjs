// A plain worker thread for the multi-thread tests: runs thread-task.mjs for every message it gets,
// answers with the result; `{ exit: code }` makes it exit (normally, through process.exit);
// `{ cancel: token, afterMs }` cancels a posted CancelToken from this thread after afterMs.
import { parentPort } from 'node:worker_threads';
import { CancelToken } from 'onepool';
import task from './thread-task.mjs';

parentPort.on('message', async (message) => {
  if (message.exit !== undefined) process.exit(message.exit);
  if (message.afterMs !== undefined) {
    setTimeout(() => CancelToken.from(message.cancel).cancel(), message.afterMs);
    return;
  }
  parentPort.postMessage(await task(message));
});
