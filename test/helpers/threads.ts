/** Plain worker threads that run test/helpers/thread-task.mjs on request (see thread-runner.mjs). */
import { Worker } from 'node:worker_threads';

export interface TaskResult {
  threadId: number;
  /** one entry per call: the status, or the error as { code, name, message } */
  statuses: Array<number | { code?: string; name?: string; message?: string }>;
  hung?: number | { code?: string; name?: string; message?: string };
  workerThreadId: number | null;
  streamed?: Record<'sync' | 'async', { bytes: number; sha256: string }>;
}

export interface TaskInput {
  url: string;
  ca?: string;
  syncCalls?: number;
  asyncCalls?: number;
  hangUrl?: string;
  hangFace?: 'sync' | 'async';
  cancel?: unknown;
  configure?: Record<string, number>;
  streamUrl?: string;
}

export interface TestThread {
  readonly worker: Worker;
  run(input: TaskInput): Promise<TaskResult>;
  /** process.exit(code) inside the thread; resolves with its exit code */
  exit(code?: number): Promise<number>;
}

export function startThread(): TestThread {
  // Plain JS: skip the test runner's TypeScript loader (the thread starts faster).
  const worker = new Worker(new URL('./thread-runner.mjs', import.meta.url), { execArgv: [] });
  const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
  return {
    worker,
    run: (input) =>
      new Promise((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
        worker.postMessage(input);
      }),
    exit: (code = 0) => {
      worker.postMessage({ exit: code });
      return exited;
    },
  };
}
