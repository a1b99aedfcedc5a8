// A plain worker thread for the multi-thread tests: runs thread-task.mjs for every message it gets,
// answers with the result; `{ exit: code }` makes it exit (normally, through process.exit).
import { parentPort } from 'node:worker_threads';
import task from './thread-task.mjs';

parentPort.on('message', async (message) => {
  if (message.exit !== undefined) process.exit(message.exit);
  parentPort.postMessage(await task(message));
});
