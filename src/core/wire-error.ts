/**
 * Errors as plain data between the pool worker and the caller. Structured clone drops an error's class
 * and `code`, so the worker sends the public code and the caller rebuilds the class with its own stack.
 * Keyed by code, never by class name: names do not survive a minifier. Internal: not exported from the
 * main entry.
 */
import {
  type ErrorCode,
  type ErrorRequestInfo,
  errorClasses,
  type OnepoolError,
  ProxyError,
  RequestError,
} from './errors.js';

// HTTPStatusError and JSONDecodeError never cross: they are made in the caller's thread from a response.
const {
  ONEPOOL_ERR_HTTP_STATUS: _madeByTheCaller,
  ONEPOOL_ERR_JSON: _parsedByTheCaller,
  ...wireClasses
} = errorClasses;

/** The codes of the classes that can cross the thread boundary. */
export type WireErrorCode = Exclude<ErrorCode, 'ONEPOOL_ERR_HTTP_STATUS' | 'ONEPOOL_ERR_JSON'>;

/** An error as plain, structured-clone-safe data. */
export interface WireError {
  code: WireErrorCode;
  message: string;
  causeCode?: string | undefined;
  causeMessage?: string | undefined;
  /** ProxyError: the proxy's HTTP status */
  status?: number | undefined;
}

/** Whether `code` names a class that can cross (own keys only: 'constructor' is not a code). */
export function isWireCode(code: unknown): code is WireErrorCode {
  return typeof code === 'string' && Object.hasOwn(wireClasses, code);
}

export function toWire(error: OnepoolError): WireError {
  const code = isWireCode(error.code) ? error.code : 'ONEPOOL_ERR';
  const wire: WireError = { code, message: error.message, causeCode: error.causeCode };
  if (error instanceof ProxyError) wire.status = error.status;
  return wire;
}

/** Rebuilds the error class on the caller's side; the stack is the caller's. An unknown code gives OnepoolError. */
export function fromWire(wire: WireError, request?: ErrorRequestInfo): OnepoolError {
  const Class = isWireCode(wire.code) ? wireClasses[wire.code] : errorClasses.ONEPOOL_ERR;
  const cause =
    wire.causeCode || wire.causeMessage
      ? Object.assign(new Error(wire.causeMessage ?? wire.causeCode), { code: wire.causeCode })
      : undefined;
  const error = new Class(wire.message, { cause, causeCode: wire.causeCode });
  if (error instanceof RequestError && request) error.request = request;
  if (error instanceof ProxyError) error.status = wire.status;
  return error;
}
