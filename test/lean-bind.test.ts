/**
 * The pool worker's AsyncResource#bind (src/pool-worker/lean-bind.ts) binds as Node's does, minus
 * the deprecated accessor's wrappers: each call below runs on Node's bind first and on the lean
 * one after it is installed, and both must give the same answers. (This process gets the lean bind
 * too: it is installed into whichever realm imports it, here the test's, as in the pool worker.)
 */
import assert from 'node:assert/strict';
import { AsyncLocalStorage, AsyncResource, executionAsyncId } from 'node:async_hooks';
import { test } from 'node:test';
import { installLeanBind } from '../src/pool-worker/lean-bind.ts';

interface Seen {
  value: unknown;
  self: unknown;
  args: unknown[];
  inScope: boolean;
  store: unknown;
  length: number;
  resource: boolean;
  enumerable: boolean | undefined;
}

const storage = new AsyncLocalStorage<string>();

function observe(thisArg?: unknown): Seen {
  const resource = storage.run('bound-here', () => new AsyncResource('onepool-test'));
  let self: unknown;
  let args: unknown[] = [];
  let inScope = false;
  let store: unknown;
  function fn(this: unknown, a: number, b: number) {
    self = this;
    args = [a, b];
    inScope = executionAsyncId() === resource.asyncId();
    store = storage.getStore();
    return a + b;
  }
  // @types/node declares bind(fn) only; Node's takes a thisArg too (and http2 passes none).
  const bindWith = resource.bind as unknown as (
    this: AsyncResource,
    f: unknown,
    thisArg?: unknown,
  ) => unknown;
  const bound = bindWith.call(resource, fn, thisArg) as (this: unknown, a: number, b: number) => number;
  const callSite = { site: true };
  const value = storage.run('called-here', () => bound.call(callSite, 2, 3));
  return {
    value,
    self: self === callSite ? 'call site' : self,
    args,
    inScope,
    store,
    length: bound.length,
    resource: (bound as unknown as { asyncResource: unknown }).asyncResource === resource,
    enumerable: Object.getOwnPropertyDescriptor(bound, 'asyncResource')?.enumerable,
  };
}

const explicit = { explicit: true };

const accessor = () =>
  Object.getOwnPropertyDescriptor(
    new AsyncResource('onepool-test').bind(() => {}),
    'asyncResource',
  );

test('the lean bind answers as Node’s: scope, this, arguments, result, length, asyncResource', () => {
  const nodeBind = AsyncResource.prototype.bind;
  const nodeHasAccessor = typeof accessor()?.get === 'function';
  const before = [observe(), observe(explicit)];
  installLeanBind();
  const after = [observe(), observe(explicit)];
  assert.deepEqual(after, before);
  assert.equal(after[0]!.self, 'call site');
  assert.equal(after[1]!.self, explicit);
  assert.equal(after[0]!.store, 'bound-here');
  assert.equal(after[0]!.value, 5);
  assert.equal(after[0]!.inScope, true);
  // Replaced only where Node's bind makes the deprecated accessor; the lean one makes a plain value.
  assert.equal(AsyncResource.prototype.bind !== nodeBind, nodeHasAccessor);
  if (nodeHasAccessor) assert.equal(accessor()?.get, undefined);
});

test('the lean bind refuses what is not a function, as Node’s does', () => {
  installLeanBind();
  assert.throws(() => new AsyncResource('onepool-test').bind(42 as unknown as () => void), {
    name: 'TypeError',
    code: 'ERR_INVALID_ARG_TYPE',
  });
});
