/**
 * `--session NAME_OR_PATH`: cookies and headers kept in a JSON file between runs, as HTTPie's
 * sessions are. A name (no `/` in it) lives per host under the config directory, so one name serves
 * several hosts without mixing their headers; a path is used as given. Cookies are the jar in
 * tough-cookie's serialization (loadCookieJar/saveCookieJar's format, origin bindings included).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { CookieJar } from 'tough-cookie';
import { jarFromJSON, writeFileAtomic } from '../core/cookie-file.js';
import { newJar } from '../core/cookies.js';

export interface Session {
  path: string;
  /** headers to send with every request of the session, lower-case names */
  headers: Record<string, string>;
  jar: CookieJar;
}

interface SessionFile {
  __meta__?: unknown;
  headers?: Record<string, string>;
  cookies?: object;
}

/** `$ONEPOOL_CONFIG_DIR`, else `$XDG_CONFIG_HOME/onepool`, else `~/.config/onepool`. */
export function configDir(env: NodeJS.ProcessEnv): string {
  if (env.ONEPOOL_CONFIG_DIR) return env.ONEPOOL_CONFIG_DIR;
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'onepool');
}

export function sessionPath(nameOrPath: string, url: URL, env: NodeJS.ProcessEnv): string {
  if (nameOrPath.includes('/')) return nameOrPath;
  if (!/^[\w.-]+$/.test(nameOrPath) || nameOrPath.startsWith('.'))
    throw new Error(`--session: '${nameOrPath}' is not a session name (letters, digits, _ . -) or a path`);
  // ':' is not allowed in file names everywhere: 127.0.0.1_8080, as HTTPie names the folder.
  return join(configDir(env), 'sessions', url.host.replace(/:/g, '_'), `${nameOrPath}.json`);
}

export function loadSession(path: string): Session {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { path, headers: {}, jar: newJar() };
    throw error;
  }
  let file: SessionFile;
  try {
    file = JSON.parse(text) as SessionFile;
  } catch {
    throw new Error(`--session: ${path} is not JSON`);
  }
  return {
    path,
    headers: { ...file.headers },
    jar: file.cookies ? jarFromJSON(file.cookies, path) : newJar(),
  };
}

/**
 * Headers given on this run join the session, except those that describe one request's body or
 * condition (Content-*, If-*) and Cookie, which the jar keeps; an empty value removes one.
 */
export function rememberHeaders(session: Session, given: readonly (readonly [string, string])[]): void {
  for (const [name, value] of given) {
    const key = name.toLowerCase();
    if (key.startsWith('content-') || key.startsWith('if-') || key === 'cookie') continue;
    if (value === '') delete session.headers[key];
    else session.headers[key] = value;
  }
}

export function saveSession(session: Session): void {
  mkdirSync(dirname(session.path), { recursive: true });
  const file: SessionFile = {
    __meta__: { about: 'onepool session file', help: 'https://www.npmjs.com/package/onepool#command-line' },
    headers: session.headers,
    cookies: session.jar.serializeSync(),
  };
  writeFileAtomic(session.path, `${JSON.stringify(file, null, 2)}\n`);
}
