/**
 * Both faces behind one async signature, so a scenario is written once and run against `http` and
 * `httpSync` (sync calls block this thread; the servers run in child processes, so that is safe).
 */
import { type AllRequest, type AllResult, Client, type RequestOptions, type Response } from 'onepool';

export type FaceName = 'async' | 'sync';
export const FACES: readonly FaceName[] = ['async', 'sync'];

/** One request through `client` (or the global client) on the given face. */
export async function request(
  face: FaceName,
  method: string,
  url: string,
  options?: RequestOptions,
  client: Client = globalClient,
): Promise<Response> {
  return face === 'async' ? client.request(method, url, options) : client.sync.request(method, url, options);
}

/** `all()` on the given face. */
export async function all(
  face: FaceName,
  requests: AllRequest[],
  concurrency: number,
  client: Client = globalClient,
): Promise<AllResult[]> {
  return face === 'async'
    ? client.all(requests, { concurrency })
    : client.sync.all(requests, { concurrency });
}

/** The error a call threw, or a failure if it did not throw. */
export async function rejection(call: () => Promise<unknown>): Promise<Error> {
  try {
    await call();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to throw');
}

const globalClient = new Client();
