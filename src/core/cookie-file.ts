/**
 * A cookie jar kept in a file between runs, in tough-cookie's own serialization (`jar.toJSON()`),
 * so a file written here is read by `CookieJar.deserializeSync` and vice versa, and each cookie's
 * origin binding (an attribute tough-cookie keeps) survives the round trip.
 *
 * Helpers rather than a client option that writes behind the caller's back: the caller decides
 * when the jar is saved (after a login, at exit), a run that fails half-way does not overwrite a
 * good file, and both faces, `extend()`d clients and a jar shared by several clients all work
 * the same way.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { CookieJar } from 'tough-cookie';
import { newJar, toughCookieModule } from './cookies.js';
import { InvalidArgumentError } from './errors.js';

/**
 * The jar saved at `path` by {@link saveCookieJar}, or an empty jar when there is no such file.
 * A file that is not a serialized jar is an InvalidArgumentError (never silently replaced by an
 * empty jar, which the next save would then write over it).
 */
export function loadCookieJar(path: string): CookieJar {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return newJar();
    throw error;
  }
  return jarFromJSON(text, path);
}

/** A jar from tough-cookie's serialization (a JSON string or the parsed object). */
export function jarFromJSON(serialized: string | object, where: string): CookieJar {
  const { CookieJar: Jar, MemoryCookieStore } = toughCookieModule();
  try {
    return Jar.deserializeSync(serialized as string, new MemoryCookieStore());
  } catch (error) {
    throw new InvalidArgumentError(`${where} is not a saved cookie jar: ${(error as Error).message}`);
  }
}

/**
 * Writes the jar to `path` atomically: to a temporary file in the same directory, then renamed
 * over `path`, so a reader (or a crash) never sees half a file. Session cookies are kept too, as
 * a browser's "continue where you left off" does: a CLI's runs are one session.
 */
export function saveCookieJar(jar: CookieJar, path: string): void {
  writeFileAtomic(path, `${JSON.stringify(jar.serializeSync(), null, 2)}\n`);
}

/** `text` written to a sibling temporary file, then renamed over `path` (owner-only: cookies are credentials). */
export function writeFileAtomic(path: string, text: string): void {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    writeFileSync(temp, text, { mode: 0o600 });
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}
