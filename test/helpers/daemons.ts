/**
 * Third-party daemons (squid, dante, nghttpd, lighttpd, apache2) as children of the test process:
 * a free loopback port, readiness by connecting to it, a failed start that never leaves a child
 * behind, and a signal at the end: SIGKILL, unless the daemon has children of its own that only it
 * can stop (apache2's workers and CGI daemon outlive a SIGKILLed parent).
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';

export const stop = (child: ChildProcess, signal: 'SIGKILL' | 'SIGTERM' = 'SIGKILL'): Promise<void> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill(signal);
  });

/**
 * Why a test of a Debian package's binary cannot run here, or undefined when it can. With CI=true a
 * missing binary is a failure: .ci/run installs `packages`.
 */
export function missing(binary: string, packages = 'squid dante-server'): string | undefined {
  if (existsSync(binary)) return undefined;
  return skipBecause(`${binary} is not installed (apt-get install ${packages}; .ci/run does it)`);
}

export function skipBecause(reason: string): string {
  if (process.env.CI === 'true') throw new Error(`CI: ${reason}`);
  console.log(`# skipped: ${reason}`);
  return reason;
}

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Waits for `ready`; if it fails, the child is stopped first (a live child would hold the test process open). */
export async function started(
  child: ChildProcess,
  ready: () => Promise<void>,
  signal: 'SIGKILL' | 'SIGTERM' = 'SIGKILL',
): Promise<void> {
  try {
    await ready();
  } catch (error) {
    await stop(child, signal);
    throw error;
  }
}

/** Resolves once `port` accepts a connection; `log` is quoted when the daemon exits or never listens. */
export async function waitForPort(port: number, child: ChildProcess, log: string): Promise<void> {
  for (let i = 0; i < 150; i++) {
    if (child.exitCode !== null) throw new Error(`daemon exited (${child.exitCode}): ${readLog(log)}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host: '127.0.0.1', port }, () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`daemon did not listen on ${port} within 15 s: ${readLog(log)}`);
}

const readLog = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8').slice(-2000) : '(no log)');
