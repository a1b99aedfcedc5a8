// A fixture child process spoken to over IPC with numbered requests: forked with the tsx loader,
// unref'd so it never keeps a finished test alive, killed by close().

import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface Child {
  readonly ready: Record<string, unknown>;
  call<T = Record<string, unknown>>(msg: Record<string, unknown>): Promise<T>;
  close(): void;
}

export async function startChild(script: string, args: string[] = []): Promise<Child> {
  const child: ChildProcess = fork(fileURLToPath(new URL(script, import.meta.url)), args, {
    cwd: ROOT,
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, (m: Record<string, unknown>) => void>();
  let nextId = 0;
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not start in 30 s`)), 30_000);
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
    child.on('message', (m: Record<string, unknown>) => {
      if (m.type === 'ready') {
        clearTimeout(timer);
        resolve(m);
      } else pending.get(m.id as number)?.(m);
    });
  });
  child.removeAllListeners('exit');
  child.unref();
  (child as unknown as { channel?: { unref(): void } }).channel?.unref();
  return {
    ready,
    call: <T>(msg: Record<string, unknown>) =>
      new Promise<T>((resolve, reject) => {
        const id = ++nextId;
        const timer = setTimeout(() => reject(new Error(`${script}: no answer to ${msg.type}`)), 5000);
        pending.set(id, (m) => {
          clearTimeout(timer);
          pending.delete(id);
          resolve(m as T);
        });
        child.send({ ...msg, id });
      }),
    close: () => {
      child.kill();
    },
  };
}
