/**
 * Runs the built `onepool` command (dist/cli.js) in a child process with a clean environment: no
 * proxy variables, no netrc, a config directory of its own, stdout and stderr piped.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './scripts.ts';

export const CLI = join(ROOT, 'dist', 'cli.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stdoutBytes: Buffer;
  stderr: string;
}

const PROXY_VARIABLES = /^(https?_proxy|all_proxy|no_proxy)$/i;

/** The environment a run starts from: the caller's, minus anything that would change its requests. */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !PROXY_VARIABLES.test(name) && name !== 'NO_COLOR') env[name] = value;
  }
  env.NETRC = join(tmpdir(), 'onepool-cli-no-netrc');
  env.ONEPOOL_CONFIG_DIR ??= mkdtempSync(join(tmpdir(), 'onepool-cli-config-'));
  return { ...env, ...extra };
}

export function runCli(
  args: readonly string[],
  options: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {},
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: options.cwd ?? ROOT,
      env: cleanEnv(options.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `onepool ${args.join(' ')} did not exit within ${options.timeoutMs ?? 20_000} ms\n${stderr}`,
        ),
      );
    }, options.timeoutMs ?? 20_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      const stdoutBytes = Buffer.concat(out);
      resolve({ code, stdout: stdoutBytes.toString('utf8'), stdoutBytes, stderr });
    });
  });
}
