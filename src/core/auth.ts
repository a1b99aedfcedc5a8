/**
 * The `auth` option: Basic and bearer credentials as an Authorization header (dropped on any
 * cross-origin redirect); Digest answered by the policy (digest.ts), never sent before a challenge.
 */
import { InvalidArgumentError } from './errors.js';

/** Credentials for the `auth` option: a user name and password (Basic or Digest), or a bearer token. */
export type AuthOption =
  | {
      /** The user name, sent as UTF-8. */
      username: string;
      /** The password, sent as UTF-8. */
      password: string;
      /**
       * 'basic' (the default): sent with the first request. 'digest' (RFC 7616): the first request
       * goes without, and a 401's Digest challenge is answered once (again once for `stale=true`).
       */
      type?: 'basic' | 'digest';
    }
  | {
      /** The token sent as `Authorization: Bearer <token>`. */
      bearer: string;
    };

/** `auth` as Digest credentials, or null for Basic or bearer. Throws InvalidArgumentError for a bad `type`. */
export function digestCredentials(
  auth: AuthOption | undefined,
): { username: string; password: string } | null {
  if (!auth || typeof auth !== 'object' || !('type' in auth) || auth.type === undefined) return null;
  if (auth.type === 'basic') return null;
  if (auth.type !== 'digest') throw new InvalidArgumentError("auth.type must be 'basic' or 'digest'");
  if (typeof auth.username !== 'string' || typeof auth.password !== 'string')
    throw new InvalidArgumentError('auth must be { username, password } or { bearer }');
  return { username: auth.username, password: auth.password };
}

/**
 * The Authorization value for `auth`, or null for Digest (which waits for the server's challenge).
 * Throws InvalidArgumentError.
 */
export function authorization(auth: AuthOption): string | null {
  if (digestCredentials(auth)) return null;
  if (auth && typeof auth === 'object') {
    if ('bearer' in auth && typeof auth.bearer === 'string') return `Bearer ${auth.bearer}`;
    if ('username' in auth && typeof auth.username === 'string' && typeof auth.password === 'string')
      return `Basic ${Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64')}`;
  }
  throw new InvalidArgumentError('auth must be { username, password } or { bearer }');
}
