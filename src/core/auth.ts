/** The `auth` option: credentials as an Authorization header (dropped on any cross-origin redirect). */
import { InvalidArgumentError } from './errors.js';

export type AuthOption = { username: string; password: string } | { bearer: string };

/** The Authorization value for `auth`, or throws InvalidArgumentError. */
export function authorization(auth: AuthOption): string {
  if (auth && typeof auth === 'object') {
    if ('bearer' in auth && typeof auth.bearer === 'string') return `Bearer ${auth.bearer}`;
    if ('username' in auth && typeof auth.username === 'string' && typeof auth.password === 'string')
      return `Basic ${Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64')}`;
  }
  throw new InvalidArgumentError('auth must be { username, password } or { bearer }');
}
