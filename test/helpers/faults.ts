// Hostile-server fixtures for the reliability suite, hosted in a child process.
//
// Why a child process: httpSync blocks its calling thread in Atomics.wait, so a fixture server in the
// test's thread could never answer, and one in a worker of the same process would share its fate if the
// test crashes the process. One child hosts any number of scenarios (one port each), so startup is paid
// once per test file.
//
//   const faults = await startFaults(['garbage-status-line', 'h2-rst-mid-body']);
//   const srv = faults.get('garbage-status-line');
//   await assert.rejects(http.get(srv.url, srv.clientOptions), ResponseError);
//   (await srv.observed()).connections; // what the server saw
//   await faults.close();

import { type ChildProcess, fork } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FromHost, HostedServer, ToHost } from '../faults/server.js';
import type { Observed, Outcome, ScenarioInfo } from '../faults/types.js';

export { scenarioNames } from '../faults/scenarios.js';
export type { Observed, Outcome, ScenarioInfo, SeenRequest } from '../faults/types.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..');
const HOST_SCRIPT = join(HERE, '..', 'faults', 'server.ts');
const START_TIMEOUT_MS = 30_000;
const CALL_TIMEOUT_MS = 5_000;

/** Request options that make the scenario's expected outcome arrive quickly (onepool's RequestOptions shape). */
export interface FaultClientOptions {
  method: ScenarioInfo['method'];
  timeout: ScenarioInfo['timeout'];
  tls?: { ca: string } | { verify: false };
  headers: Record<string, string>;
  body?: Uint8Array;
}

/** One running scenario. */
export interface FaultServer extends ScenarioInfo {
  host: string;
  port: number;
  /** `http://127.0.0.1:PORT/NAME` (https for TLS and h2 scenarios; IPv6 hosts are bracketed). */
  url: string;
  /** The fixture CA (PEM) for https scenarios. */
  ca: string | undefined;
  /** Expected outcomes as an array, for `expectOneOf(...)`-style assertions. */
  outcomes: readonly Outcome[];
  /**
   * Options for a request to this scenario, tagged with `requestId` (echoed back by every well-formed
   * response) so a test can detect a response that belongs to another request.
   */
  clientOptions(requestId?: string): FaultClientOptions;
  /** What the server saw since start or the last `reset()`. */
  observed(): Promise<Observed>;
  reset(): Promise<void>;
}

/** A child process hosting several scenarios. */
export interface FaultHost {
  get(name: string): FaultServer;
  readonly servers: ReadonlyMap<string, FaultServer>;
  /** The fixture CA (PEM), if any https scenario is hosted. */
  readonly ca: string | undefined;
  readonly pid: number;
  /** Closes every server and ends the child; idempotent. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

let seq = 0;
const nextRequestId = () => `req-${process.pid}-${++seq}`;

/**
 * Starts the named scenarios (all of them when omitted) in one child process on loopback.
 * Rejects if the child fails to start within 30 s (the first run also builds a 1 GiB gzip bomb, ~2 s,
 * cached in the OS temp dir afterwards).
 */
export async function startFaults(
  names?: readonly string[],
  opts: { host?: '127.0.0.1' | '::1' } = {},
): Promise<FaultHost> {
  const { scenarioNames } = await import('../faults/scenarios.js');
  const chosen = names ?? scenarioNames();
  const child = fork(HOST_SCRIPT, [JSON.stringify({ names: chosen, host: opts.host ?? '127.0.0.1' })], {
    cwd: ROOT,
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = await new Promise<Extract<FromHost, { type: 'ready' }>>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`fault host did not start within ${START_TIMEOUT_MS} ms`));
    }, START_TIMEOUT_MS);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`fault host exited during startup (code ${code})`));
    });
    child.on('message', function onMessage(m: FromHost) {
      if (m.type === 'fatal') {
        clearTimeout(timer);
        reject(new Error(`fault host failed: ${m.message}`));
      } else if (m.type === 'ready') {
        clearTimeout(timer);
        child.off('message', onMessage);
        resolve(m);
      }
    });
  });
  child.removeAllListeners('exit');
  return new Host(child, ready.servers, ready.ca);
}

/** Starts one scenario in its own child process; `close()` ends it. */
export async function startFault(name: string, opts?: { host?: '127.0.0.1' | '::1' }) {
  const host = await startFaults([name], opts);
  const srv = host.get(name);
  return Object.assign(srv, { close: () => host.close(), [Symbol.asyncDispose]: () => host.close() });
}

class Host implements FaultHost {
  readonly servers = new Map<string, FaultServer>();
  private readonly pending = new Map<number, { resolve(m: FromHost): void; reject(e: Error): void }>();
  private nextId = 0;
  private closed: Promise<void> | undefined;

  constructor(
    private readonly child: ChildProcess,
    hosted: HostedServer[],
    readonly ca: string | undefined,
  ) {
    // The child must never keep a finished test process alive.
    child.unref();
    (child as unknown as { channel?: { unref(): void } }).channel?.unref();
    child.on('message', (m: FromHost) => {
      if (!('id' in m)) return;
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      p?.resolve(m);
    });
    child.once('exit', () => {
      for (const p of this.pending.values()) p.reject(new Error('fault host exited'));
      this.pending.clear();
    });
    for (const h of hosted) this.servers.set(h.name, this.makeServer(h));
  }

  get pid() {
    return this.child.pid ?? -1;
  }

  get(name: string): FaultServer {
    const s = this.servers.get(name);
    if (!s) throw new Error(`fault scenario '${name}' is not hosted here`);
    return s;
  }

  private call(msg: ToHost): Promise<FromHost> {
    return new Promise((resolve, reject) => {
      if (!this.child.connected) return reject(new Error('fault host is gone'));
      const timer = setTimeout(() => {
        this.pending.delete(msg.id);
        reject(new Error(`fault host did not answer '${msg.type}' within ${CALL_TIMEOUT_MS} ms`));
      }, CALL_TIMEOUT_MS);
      this.pending.set(msg.id, {
        resolve: (m) => {
          clearTimeout(timer);
          if (m.type === 'error') reject(new Error(m.message));
          else resolve(m);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.child.send(msg);
    });
  }

  private makeServer(h: HostedServer): FaultServer {
    const hostPart = h.host.includes(':') ? `[${h.host}]` : h.host;
    const outcomes: readonly Outcome[] = typeof h.expect === 'string' ? [h.expect] : h.expect;
    const ca = this.ca;
    return {
      ...h,
      url: `${h.scheme}://${hostPart}:${h.port}/${h.name}`,
      ca,
      outcomes,
      clientOptions: (requestId = nextRequestId()) => ({
        method: h.method,
        timeout: { ...h.timeout },
        headers: { 'x-request-id': requestId },
        ...(h.scheme === 'https'
          ? { tls: h.tls === 'verify-off' || !ca ? { verify: false as const } : { ca } }
          : {}),
        ...(h.bodyBytes ? { body: new Uint8Array(h.bodyBytes).fill(0x62) } : {}),
      }),
      observed: async () => {
        const m = await this.call({ id: ++this.nextId, type: 'observed', name: h.name });
        if (m.type !== 'observed') throw new Error(`unexpected reply ${m.type}`);
        return m.observed;
      },
      reset: async () => {
        await this.call({ id: ++this.nextId, type: 'reset', name: h.name });
      },
    };
  }

  close(): Promise<void> {
    this.closed ??= (async () => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
      try {
        await this.call({ id: ++this.nextId, type: 'close' });
      } catch {
        // An unresponsive host is killed below; close() must not fail a test's teardown.
      }
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 2000);
      await exited;
      clearTimeout(timer);
    })();
    return this.closed;
  }

  [Symbol.asyncDispose]() {
    return this.close();
  }
}
