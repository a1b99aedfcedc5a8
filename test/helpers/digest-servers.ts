/**
 * The RFC 7616 Digest server of digest-server.mjs, in a child process (the sync face blocks its
 * thread), with what it saw over IPC.
 */
import { fork } from 'node:child_process';
import { ask } from './servers.ts';

export interface DigestSeen {
  method: string;
  url: string;
  authorization: string | undefined;
  cookie: string | undefined;
  /** the nc of a Digest Authorization, as sent */
  nc: string | undefined;
  body: string;
  /** the server's verdict on the Authorization: 'ok', 'stale' or why it was refused; undefined without one */
  verdict: string | undefined;
}

export interface DigestServer {
  origin: string;
  url(path: string): string;
  seen(): Promise<DigestSeen[]>;
  reset(): Promise<void>;
  /** Every nonce issued so far becomes stale. */
  expire(): Promise<void>;
  close(): Promise<void>;
}

export const DIGEST_USER = { username: 'Mufasa', password: 'Circle of Life', realm: 'onepool@test' };

export async function startDigestServer(
  credentials: { username: string; password: string; realm: string } = DIGEST_USER,
): Promise<DigestServer> {
  const child = fork(new URL('./digest-server.mjs', import.meta.url), [JSON.stringify(credentials)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    // Plain JS: skip the test runner's TypeScript loader, which fork would otherwise inherit.
    execArgv: [],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m: { port: number }) => resolve(m.port));
    child.once('exit', (code) => reject(new Error(`digest server exited with ${code}`)));
  });
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    url: (path) => origin + path,
    seen: () => ask<{ seen: DigestSeen[] }>(child, 'stats', 'stats').then((s) => s.seen),
    reset: () => ask<boolean>(child, 'reset', 'reset').then(() => undefined),
    expire: () => ask<boolean>(child, 'expire', 'expired').then(() => undefined),
    close: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill();
      }),
  };
}
