/**
 * The parts of undici the worker uses, loaded by path. undici's index loads fetch, WebSocket,
 * EventSource, the cache and more: about 75 ms on this class of machine, against about 22 ms for the
 * dispatcher and the connector alone. That difference is most of a cold start's budget. The fetch
 * classes (for multipart encoding) load on first use only.
 */
import { createRequire } from 'node:module';
import type * as Undici from 'undici';

const require = createRequire(import.meta.url);

export const Pool: typeof Undici.Pool = require('undici/lib/dispatcher/pool.js');
export type Pool = Undici.Pool;
export const buildConnector: typeof Undici.buildConnector = require('undici/lib/core/connect.js');
export type Connector = Undici.buildConnector.connector;

let fetchClasses: { FormData: typeof Undici.FormData; Response: typeof Undici.Response } | undefined;

/** undici's FormData and Response (its spec-compliant multipart encoder), loaded on first use. */
export function undiciFetchClasses(): { FormData: typeof Undici.FormData; Response: typeof Undici.Response } {
  fetchClasses ??= require('undici') as typeof Undici;
  return fetchClasses;
}
