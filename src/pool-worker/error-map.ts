/**
 * One table from undici's and Node's error codes to onepool's error classes, most specific first.
 * The result is plain data ({@link WireError}); the caller's side rebuilds the class.
 */
import type { WireError, WireErrorName } from '../core/errors.js';
import { PROXY_ERROR_CODE } from './proxy.js';

type Rule = [
  test: (code: string, error: NodeJS.ErrnoException) => boolean,
  name: WireErrorName,
  message?: string,
];

const is =
  (...codes: string[]) =>
  (code: string) =>
    codes.includes(code);

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_TLS_HANDSHAKE_TIMEOUT',
  'ECONNRESET_TLS',
]);

const rules: Rule[] = [
  // onepool's own pool errors (pool.ts, h2.ts), carrying their final message
  [is('ONEPOOL_POOL_TIMEOUT'), 'PoolTimeoutError'],
  [is('ONEPOOL_NOT_PROCESSED'), 'NotProcessedError'],
  [is('ONEPOOL_POOL_CLOSED'), 'PoolClosedError'],
  [is('UND_ERR_CONNECT_TIMEOUT'), 'ConnectTimeoutError', 'connect timeout'],
  [is('UND_ERR_HEADERS_TIMEOUT'), 'ReadTimeoutError', 'read timeout: no response headers in time'],
  [is('UND_ERR_BODY_TIMEOUT'), 'ReadTimeoutError', 'read timeout: the body stalled'],
  [(code) => TLS_CODES.has(code) || code.startsWith('ERR_TLS_') || code.startsWith('ERR_SSL_'), 'TLSError'],
  [(_code, e) => /certificate|ssl|tls/i.test(e.message ?? '') && !!e.code?.startsWith('ERR_'), 'TLSError'],
  [
    is(
      'ECONNREFUSED',
      'ENOTFOUND',
      'EAI_AGAIN',
      'EHOSTUNREACH',
      'ENETUNREACH',
      'EHOSTDOWN',
      'ENETDOWN',
      'EADDRNOTAVAIL',
    ),
    'ConnectError',
  ],
  // llhttp's parse errors; undici leaves `code` unset for some of them.
  [(_code, e) => e.name === 'HTTPParserError', 'ResponseError', undefined],
  // An upgrade (101) nobody asked for: the server broke the protocol, the socket is gone.
  [
    (code, e) => code === 'UND_ERR_SOCKET' && e.message === 'bad upgrade',
    'ResponseError',
    'unsolicited 101 upgrade',
  ],
  [
    (code) =>
      code.startsWith('HPE_') ||
      code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH' ||
      code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE' ||
      code === 'UND_ERR_HEADERS_OVERFLOW' ||
      code === 'UND_ERR_INFO' ||
      code === 'ERR_HTTP2_PROTOCOL_ERROR',
    'ResponseError',
  ],
  [
    is(
      'UND_ERR_SOCKET',
      'ECONNRESET',
      'EPIPE',
      'UND_ERR_CLOSED',
      'UND_ERR_DESTROYED',
      'ERR_HTTP2_STREAM_ERROR',
    ),
    'ConnectionClosedError',
  ],
  [(code) => code.startsWith('ERR_HTTP2_'), 'ConnectionClosedError'],
  [(code) => code === 'UND_ERR_INVALID_ARG' || code === 'ERR_INVALID_ARG_TYPE', 'InvalidArgumentError'],
];

function match(error: NodeJS.ErrnoException): WireError | undefined {
  const code = typeof error.code === 'string' ? error.code : '';
  for (const [test, name, message] of rules) {
    if (test(code, error))
      return {
        name,
        message: message ?? error.message,
        causeCode: code || undefined,
        causeMessage: error.message,
      };
  }
  return undefined;
}

/** Maps an error raised in the worker (by undici or Node) to wire data. */
export function mapError(error: unknown): WireError {
  const e = (error instanceof Error ? error : new Error(String(error))) as NodeJS.ErrnoException;
  type Coded = Error & { code?: unknown; status?: number };
  for (const p of [e as Coded, e.cause as Coded | undefined]) {
    if (p?.code === PROXY_ERROR_CODE) return { name: 'ProxyError', message: p.message, status: p.status };
  }
  // undici wraps some socket errors: a TLS or connect code on the cause is the more specific one.
  const cause = e.cause instanceof Error ? match(e.cause as NodeJS.ErrnoException) : undefined;
  return cause ?? match(e) ?? { name: 'RequestError', message: e.message, causeCode: e.code };
}
