/** Runs a small script in a fresh node process from the package root, so `onepool` resolves to the build. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface ScriptRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** epoch ms at which the process exited, as seen by this process */
  exitedAt: number;
}

export function runScript(
  source: string,
  options: { type?: 'module' | 'commonjs'; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<ScriptRun> {
  const type = options.type ?? 'module';
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [`--input-type=${type}`, '-e', source], {
      cwd: ROOT,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`script did not exit within ${options.timeoutMs ?? 20_000} ms\n${stdout}\n${stderr}`));
    }, options.timeoutMs ?? 20_000);
    child.on('exit', (code, signal) => {
      const exitedAt = Date.now();
      clearTimeout(timer);
      child.on('close', () => resolve({ code, signal, stdout, stderr, exitedAt }));
    });
  });
}

/** The epoch-ms value a script printed after `marker` (e.g. `DONE 1700000000000.123`). */
export function markerTime(stdout: string, marker: string): number {
  const match = new RegExp(`${marker} (\\d+(?:\\.\\d+)?)`).exec(stdout);
  if (!match) throw new Error(`no ${marker} in output: ${stdout}`);
  return Number(match[1]);
}

/** What a script printed as `SEEN {json}`, once it exited with code 0 (assertion failures say why not). */
export function seenIn(run: ScriptRun): ReturnType<typeof JSON.parse> {
  assert.equal(run.code, 0, run.stderr);
  const line = run.stdout.split('\n').find((l) => l.startsWith('SEEN '));
  assert.ok(line, run.stdout);
  return JSON.parse(line.slice(5));
}
