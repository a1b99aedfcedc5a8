/**
 * Error identity: literal names and codes that survive a minifier, the wire keyed by code, and
 * `instanceof` across two copies of the errors module (the ESM and the CJS build in one process).
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe, test } from 'node:test';
import { expectTypeOf } from 'expect-type';
import * as onepool from 'onepool';
import { Client, createPool, type ErrorCode, type Response } from 'onepool';
import * as errors from '../src/core/errors.ts';
import {
  ConnectError,
  errorClasses,
  InvalidRequestError,
  InvalidURLError,
  OnepoolError,
  ProxyError,
  ReadTimeoutError,
  RequestError,
  TimeoutError,
} from '../src/core/errors.ts';
import { fromWire, isWireCode, toWire, type WireError, type WireErrorCode } from '../src/core/wire-error.ts';
import { FACES, rejection, request } from './helpers/faces.ts';
import { refusedURL as refused, startServer, type TestServer } from './helpers/servers.ts';

/** Polls `probe` every 25 ms until it holds; fails after 10 s. */
async function until(probe: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await probe()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  assert.fail(`never true: ${probe}`);
}

type ErrorClass = abstract new (...args: never[]) => OnepoolError;

/** An instance of any error class; HTTPStatusError is made from a response. */
function instance(Class: ErrorClass, message = 'x'): OnepoolError {
  const C = Class as unknown as new (...args: unknown[]) => OnepoolError;
  return C === (errors.HTTPStatusError as unknown)
    ? new C({ status: 404, statusText: 'Not Found', url: 'http://h.test/' } as Response)
    : new C(message);
}

/** Every error class the main entry exports, by its export name. */
const exported = Object.entries(onepool as Record<string, unknown>).filter(
  (entry): entry is [string, ErrorClass & { code: ErrorCode }] =>
    typeof entry[1] === 'function' &&
    (entry[1] === onepool.OnepoolError || entry[1].prototype instanceof onepool.OnepoolError),
);

describe('names and codes', () => {
  test('every exported error class: name is its export name, static code is the instance code', () => {
    assert.equal(exported.length, Object.keys(errorClasses).length, 'every class is exported');
    for (const [name, Class] of exported) {
      const error = instance(Class);
      assert.equal(error.name, name);
      assert.equal(Object.getPrototypeOf(error).name, name, 'the name lives on the prototype');
      assert.equal(String(error).split(':')[0], name);
      assert.match(error.stack ?? '', new RegExp(`^${name}: `));
      assert.equal(typeof Class.code, 'string');
      assert.equal(error.code, Class.code, name);
      assert.equal(Object.hasOwn(Class, 'code'), true, `${name} has a code of its own`);
    }
    assert.equal(onepool.ConnectError.code, 'ONEPOOL_ERR_CONNECT');
    assert.equal(new onepool.ConnectError('x').code, 'ONEPOOL_ERR_CONNECT');
  });

  test('codes are unique and the public strings are kept', () => {
    const codes = exported.map(([, Class]) => Class.code);
    assert.equal(new Set(codes).size, codes.length);
    assert.ok(codes.every((code) => code === 'ONEPOOL_ERR' || code.startsWith('ONEPOOL_ERR_')));
    assert.equal(onepool.PoolTimeoutError.code, 'ONEPOOL_ERR_POOL_TIMEOUT');
    assert.equal(onepool.NotProcessedError.code, 'ONEPOOL_ERR_NOT_PROCESSED');
    assert.equal(onepool.PoolClosedError.code, 'ONEPOOL_ERR_POOL_CLOSED');
  });

  test('every ErrorCode has its class, and the table key is that class’s own code', () => {
    // The type level: the table's keys are exactly ErrorCode (errors.ts also enforces it with satisfies).
    expectTypeOf<keyof typeof errorClasses>().toEqualTypeOf<ErrorCode>();
    for (const [code, Class] of Object.entries(errorClasses)) {
      assert.equal(Class.code, code);
      assert.equal(instance(Class).code, code);
      // The built package exports the same class (another copy: compared by name and code).
      const name = instance(Class).name;
      assert.equal((onepool as unknown as Record<string, { code?: string }>)[name]?.code, code, name);
    }
  });

  test('instance code is typed by subtree, so instanceof narrows it', () => {
    const e: unknown = new onepool.ReadTimeoutError('x');
    if (e instanceof onepool.TimeoutError)
      expectTypeOf(e.code).toEqualTypeOf<
        | 'ONEPOOL_ERR_TIMEOUT'
        | 'ONEPOOL_ERR_CONNECT_TIMEOUT'
        | 'ONEPOOL_ERR_READ_TIMEOUT'
        | 'ONEPOOL_ERR_WRITE_TIMEOUT'
        | 'ONEPOOL_ERR_TOTAL_TIMEOUT'
        | 'ONEPOOL_ERR_POOL_TIMEOUT'
      >();
    if (e instanceof onepool.ReadTimeoutError)
      expectTypeOf(e.code).toEqualTypeOf<'ONEPOOL_ERR_READ_TIMEOUT'>();
    if (e instanceof onepool.ConnectError)
      expectTypeOf(e.code).toEqualTypeOf<'ONEPOOL_ERR_CONNECT' | 'ONEPOOL_ERR_PROXY'>();
    expectTypeOf(onepool.ProxyError.code).toEqualTypeOf<'ONEPOOL_ERR_PROXY'>();
    expectTypeOf<onepool.OnepoolError['code']>().toEqualTypeOf<ErrorCode>();
    expectTypeOf<onepool.HTTPStatusError['code']>().toEqualTypeOf<'ONEPOOL_ERR_HTTP_STATUS'>();
    assert.ok(e instanceof onepool.TimeoutError);
  });

  test('the main entry exports no wire helpers', () => {
    for (const name of ['toWire', 'fromWire', 'isWireCode', 'errorClasses'])
      assert.equal(name in onepool, false, name);
  });
});

describe('the wire, keyed by code', () => {
  const wireCodes = Object.keys(errorClasses).filter(isWireCode);

  test('every class but HTTPStatusError and JSONDecodeError crosses', () => {
    expectTypeOf<WireErrorCode>().toEqualTypeOf<
      Exclude<ErrorCode, 'ONEPOOL_ERR_HTTP_STATUS' | 'ONEPOOL_ERR_JSON'>
    >();
    assert.deepEqual(
      Object.keys(errorClasses).filter((code) => !isWireCode(code)),
      ['ONEPOOL_ERR_HTTP_STATUS', 'ONEPOOL_ERR_JSON'],
    );
    assert.equal(isWireCode('constructor'), false, 'own keys only');
  });

  for (const code of wireCodes) {
    test(`round trip: ${code}`, () => {
      const Class = errorClasses[code];
      const sent = new Class(`message of ${code}`, { causeCode: 'ECONNREFUSED' });
      if (sent instanceof ProxyError) sent.status = 407;
      const wire: WireError = structuredClone(toWire(sent));
      assert.equal(wire.code, code);
      const request = { method: 'GET', url: 'http://h.test/x' };
      const got = fromWire(wire, request);
      assert.equal(Object.getPrototypeOf(got), Class.prototype, 'the same class');
      assert.equal(got.code, code);
      assert.equal(got.name, sent.name);
      assert.equal(got.message, `message of ${code}`);
      assert.equal(got.causeCode, 'ECONNREFUSED');
      assert.equal((got.cause as { code?: string }).code, 'ECONNREFUSED');
      if (got instanceof ProxyError) assert.equal(got.status, 407);
      if (got instanceof RequestError) assert.deepEqual(got.request, request);
    });
  }

  test('an unknown code gives OnepoolError with the message', () => {
    for (const code of [
      'ONEPOOL_POOL_TIMEOUT',
      'ReadTimeoutError',
      'constructor',
      'ONEPOOL_ERR_HTTP_STATUS',
      'ONEPOOL_ERR_JSON',
    ]) {
      const got = fromWire({ code, message: 'm' } as unknown as WireError);
      assert.equal(Object.getPrototypeOf(got), OnepoolError.prototype, code);
      assert.equal(got.message, 'm');
      assert.equal(got.code, 'ONEPOOL_ERR');
    }
  });

  test('HTTPStatusError and JSONDecodeError do not cross; a user subclass crosses as its onepool ancestor', () => {
    assert.equal(toWire(instance(errors.HTTPStatusError)).code, 'ONEPOOL_ERR');
    assert.equal(toWire(instance(errors.JSONDecodeError)).code, 'ONEPOOL_ERR');
    class MyTimeout extends ReadTimeoutError {}
    const wire = toWire(new MyTimeout('slow'));
    assert.equal(wire.code, 'ONEPOOL_ERR_READ_TIMEOUT');
    assert.equal(Object.getPrototypeOf(fromWire(wire)), ReadTimeoutError.prototype);
  });
});

describe('instanceof across copies', () => {
  let copy: typeof errors;
  before(async () => {
    // A query makes a separate module instance: the situation of the ESM and CJS builds in one process.
    copy = (await import(new URL('../src/core/errors.ts?copy=2', import.meta.url).href)) as typeof errors;
  });

  test('the second copy is really a different module', () => {
    assert.notEqual(copy.ReadTimeoutError, ReadTimeoutError);
    assert.notEqual(copy.OnepoolError, OnepoolError);
    assert.equal(
      Function.prototype[Symbol.hasInstance].call(TimeoutError, new copy.ReadTimeoutError('x')),
      false,
      'not an instance by the prototype chain',
    );
  });

  test('an error of one copy is an instance of the other copy’s ancestors, not of its cousins', () => {
    for (const [from, to] of [
      [copy, errors],
      [errors, copy],
    ] as const) {
      const e = new from.ReadTimeoutError('x');
      assert.ok(e instanceof to.ReadTimeoutError);
      assert.ok(e instanceof to.TimeoutError);
      assert.ok(e instanceof to.RequestError);
      assert.ok(e instanceof to.OnepoolError);
      assert.ok(!(e instanceof to.ConnectError));
      assert.ok(!(e instanceof to.ConnectTimeoutError));
      assert.ok(!(e instanceof to.InvalidRequestError));
      const invalid = new from.InvalidURLError('u');
      assert.ok(invalid instanceof to.InvalidRequestError);
      assert.ok(!(invalid instanceof to.RequestError));
      const parent = new from.TimeoutError('t');
      assert.ok(!(parent instanceof to.ReadTimeoutError), 'a parent is not an instance of its child');
    }
  });

  test('the ESM and the CJS build of the package recognise each other’s errors', () => {
    const cjs = createRequire(import.meta.url)('onepool') as typeof onepool;
    assert.notEqual(cjs.ConnectError, onepool.ConnectError, 'two copies');
    assert.ok(new cjs.ProxyError('p') instanceof onepool.ConnectError);
    assert.ok(new onepool.ProxyError('p') instanceof cjs.ConnectError);
    assert.ok(!(new cjs.ConnectError('c') instanceof onepool.ProxyError));
  });

  test('a user subclass: ordinary instanceof, and no more than that', () => {
    class MyError extends ConnectError {}
    const mine = new MyError('m');
    assert.ok(mine instanceof MyError);
    assert.ok(mine instanceof ConnectError);
    assert.ok(mine instanceof RequestError);
    assert.ok(mine instanceof OnepoolError);
    assert.ok(mine instanceof copy.ConnectError, 'seen by another copy as its onepool ancestor');
    assert.ok(!(mine instanceof TimeoutError));
    assert.equal(mine.code, 'ONEPOOL_ERR_CONNECT');
    assert.equal(mine.name, 'ConnectError');
    assert.ok(!(new ConnectError('c') instanceof MyError), 'a parent instance is not a MyError');
    assert.ok(!(new copy.ConnectError('c') instanceof MyError), 'nor is one from another copy');
    class Named extends InvalidURLError {
      constructor(message: string) {
        super(message);
        this.name = 'Named';
      }
    }
    assert.equal(new Named('n').name, 'Named', 'a subclass can still set its own name');
    assert.ok(new Named('n') instanceof InvalidRequestError);
  });

  test('only a brand shaped as a list of codes matches (a forged one passes: the documented trade-off)', () => {
    const BRAND = Symbol.for('onepool.error');
    assert.ok(!(new Error('plain') instanceof OnepoolError));
    assert.ok(
      !(
        Object.assign(new Error('lookalike'), {
          name: 'ConnectError',
          code: 'ONEPOOL_ERR_CONNECT',
        }) instanceof ConnectError
      ),
    );
    assert.ok(!({ [BRAND]: 'ONEPOOL_ERR_CONNECT_TIMEOUT' } instanceof ConnectError), 'a string brand');
    assert.ok(!({ [BRAND]: [1, 'ONEPOOL_ERR_CONNECT'] } instanceof ConnectError), 'not all strings');
    assert.ok(!({ 'onepool.error': ['ONEPOOL_ERR_CONNECT'] } instanceof ConnectError), 'a string key');
    assert.ok(!({ [Symbol('onepool.error')]: ['ONEPOOL_ERR_CONNECT'] } instanceof ConnectError));
    assert.ok(!((null as unknown) instanceof OnepoolError));
    assert.ok(!(('ONEPOOL_ERR' as unknown) instanceof OnepoolError));
    assert.ok(!({ [BRAND]: ['ONEPOOL_ERR_CONNECT'] } instanceof TimeoutError), 'no more than the brand says');
    assert.ok({ [BRAND]: ['ONEPOOL_ERR_CONNECT'] } instanceof ConnectError, 'a forged onepool brand passes');
  });

  test('the brand stays out of inspect, JSON and deepEqual', () => {
    const e = new ConnectError('x');
    assert.equal(Object.getOwnPropertySymbols(e).length, 1);
    assert.equal(Object.keys(e).includes('name'), false);
    assert.equal(JSON.stringify(e).includes('ONEPOOL_ERR_REQUEST'), false);
    assert.deepEqual(Object.keys(e), ['code', 'causeCode', 'request', 'staleConnection']);
  });
});

describe('worker errors arrive with public codes, on both faces', () => {
  let server: TestServer;
  let refusedURL: string;
  const cjs = createRequire(import.meta.url)('onepool') as typeof onepool;
  before(async () => {
    server = await startServer('http');
    refusedURL = await refused();
  });
  after(() => server.close());

  for (const face of FACES) {
    test(`${face}: connection refused is ConnectError`, async () => {
      const error = await rejection(() => request(face, 'GET', refusedURL));
      assert.ok(error instanceof onepool.ConnectError, String(error));
      assert.ok(error instanceof cjs.ConnectError, 'and of the other build');
      assert.equal((error as onepool.ConnectError).code, 'ONEPOOL_ERR_CONNECT');
      assert.equal(error.name, 'ConnectError');
      assert.equal((error as onepool.ConnectError).causeCode, 'ECONNREFUSED');
    });

    test(`${face}: no slot within poolTimeout is PoolTimeoutError, without a private code`, async () => {
      const pool = createPool({ maxConnections: 1, poolTimeout: 200 });
      const client = new Client({ pool });
      const hanging = client.get(server.url('/hang'), { timeout: { read: 1500 } });
      await until(async () => (await pool.stats()).totals.running === 1);
      const error = await rejection(() => request(face, 'GET', server.url('/echo'), undefined, client));
      assert.ok(error instanceof onepool.PoolTimeoutError, String(error));
      assert.ok(error instanceof cjs.TimeoutError, 'and of the other build');
      assert.equal((error as onepool.PoolTimeoutError).code, 'ONEPOOL_ERR_POOL_TIMEOUT');
      assert.equal((error as onepool.PoolTimeoutError).causeCode, undefined);
      assert.equal(error.cause, undefined);
      await assert.rejects(hanging, { code: 'ONEPOOL_ERR_READ_TIMEOUT', name: 'ReadTimeoutError' });
      await pool.close();
    });
  }

  test('async: a request waiting for a slot when its pool closes is PoolClosedError', async () => {
    const pool = createPool({ maxConnections: 1 });
    const client = new Client({ pool });
    const hanging = client.get(server.url('/hang'), { timeout: { read: 1000 } });
    await until(async () => (await pool.stats()).totals.running === 1);
    const waiting = rejection(() => client.get(server.url('/echo')));
    await until(async () => (await pool.stats()).totals.queued === 1);
    const closing = pool.close();
    const error = await waiting;
    assert.ok(error instanceof onepool.PoolClosedError, String(error));
    assert.equal((error as onepool.PoolClosedError).code, 'ONEPOOL_ERR_POOL_CLOSED');
    assert.equal((error as onepool.PoolClosedError).causeCode, undefined);
    await assert.rejects(hanging, { code: 'ONEPOOL_ERR_READ_TIMEOUT' });
    await closing;
  });
});
