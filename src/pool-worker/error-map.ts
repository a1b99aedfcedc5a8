/**
 * One table from undici's and Node's error codes to onepool's public error codes, most specific first.
 * The result is plain data ({@link WireError}); the caller's side rebuilds the class from the code.
 */
import { isWireCode, type WireError, type WireErrorCode } from '../core/wire-error.js';
import { PROXY_ERROR_CODE } from './proxy.js';

type Rule = [
  test: (code: string, error: NodeJS.ErrnoException) => boolean,
  code: WireErrorCode,
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

/**
 * Whether a response that llhttp refused starts with an HTTP/2 frame: SETTINGS or GOAWAY on stream 0,
 * which an h2c-only server sends first to an HTTP/1.1 request (its connection preface). undici keeps
 * the bytes from the parse error on as a string (`data`); a frame header's bytes are below 0x80, so
 * they survive its UTF-8 decoding.
 */
function startsWithHttp2Frame(error: NodeJS.ErrnoException): boolean {
  const data = (error as { data?: unknown }).data;
  if (typeof data !== 'string' || data.length < 9) return false;
  const type = data.charCodeAt(3);
  const onStreamZero =
    data.charCodeAt(5) === 0 &&
    data.charCodeAt(6) === 0 &&
    data.charCodeAt(7) === 0 &&
    data.charCodeAt(8) === 0;
  return (type === 0x04 || type === 0x07) && onStreamZero;
}

const rules: Rule[] = [
  [is('UND_ERR_CONNECT_TIMEOUT'), 'ONEPOOL_ERR_CONNECT_TIMEOUT', 'connect timeout'],
  [is('UND_ERR_HEADERS_TIMEOUT'), 'ONEPOOL_ERR_READ_TIMEOUT', 'read timeout: no response headers in time'],
  [is('UND_ERR_BODY_TIMEOUT'), 'ONEPOOL_ERR_READ_TIMEOUT', 'read timeout: the body stalled'],
  [
    (code) => TLS_CODES.has(code) || code.startsWith('ERR_TLS_') || code.startsWith('ERR_SSL_'),
    'ONEPOOL_ERR_TLS',
  ],
  [
    (_code, e) => /certificate|ssl|tls/i.test(e.message ?? '') && !!e.code?.startsWith('ERR_'),
    'ONEPOOL_ERR_TLS',
  ],
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
    'ONEPOOL_ERR_CONNECT',
  ],
  [
    (_code, e) => e.name === 'HTTPParserError' && startsWithHttp2Frame(e),
    'ONEPOOL_ERR_RESPONSE',
    "the server answered an HTTP/1.1 request with HTTP/2 framing: it speaks only HTTP/2 (h2c) here; use http2: 'prior-knowledge'",
  ],
  // llhttp's parse errors; undici leaves `code` unset for some of them.
  [(_code, e) => e.name === 'HTTPParserError', 'ONEPOOL_ERR_RESPONSE', undefined],
  // An upgrade (101) nobody asked for: the server broke the protocol, the socket is gone.
  [
    (code, e) => code === 'UND_ERR_SOCKET' && e.message === 'bad upgrade',
    'ONEPOOL_ERR_RESPONSE',
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
    'ONEPOOL_ERR_RESPONSE',
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
    'ONEPOOL_ERR_CONNECTION_CLOSED',
  ],
  [(code) => code.startsWith('ERR_HTTP2_'), 'ONEPOOL_ERR_CONNECTION_CLOSED'],
  [
    (code) => code === 'UND_ERR_INVALID_ARG' || code === 'ERR_INVALID_ARG_TYPE',
    'ONEPOOL_ERR_INVALID_ARGUMENT',
  ],
];

function match(error: NodeJS.ErrnoException): WireError | undefined {
  const code = typeof error.code === 'string' ? error.code : '';
  // onepool's own pool errors (limits.ts, h2.ts) carry their public code and final message, and have no
  // lower-level cause to report.
  if (isWireCode(code)) return { code, message: error.message };
  for (const [test, wireCode, message] of rules) {
    if (test(code, error))
      return {
        code: wireCode,
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
    if (p?.code === PROXY_ERROR_CODE)
      return { code: 'ONEPOOL_ERR_PROXY', message: p.message, status: p.status };
  }
  // undici wraps some socket errors: a TLS or connect code on the cause is the more specific one.
  const cause = e.cause instanceof Error ? match(e.cause as NodeJS.ErrnoException) : undefined;
  return cause ?? match(e) ?? { code: 'ONEPOOL_ERR_REQUEST', message: e.message, causeCode: e.code };
}
