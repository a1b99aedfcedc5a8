/**
 * node:http2's `ClientHttp2Session.request()` binds each new stream's start to a fresh
 * AsyncResource (`reqAsync.bind(requestOnConnect.bind(...))`). In Node 20, `AsyncResource#bind`
 * also defines the deprecated `asyncResource` accessor (DEP0172) on the bound function, its getter
 * and setter each wrapped by `util.deprecate()`, whose `Object.setPrototypeOf(wrapper, fn)` makes
 * a new map and a new prototype object per wrapper: tens of microseconds per stream, most of it
 * in the collector, more than the rest of onepool's worker code spends on the stream.
 *
 * The pool worker's realm runs only onepool and undici, and neither reads that property, so the
 * worker's own AsyncResource binds as Node does without the deprecation wrappers: the function runs
 * in the resource's async scope as before, with the same `length`, and `asyncResource` is a plain
 * data property (no warning). Installed once, only where Node's bind has the accessor; the caller's
 * thread is a separate realm and keeps Node's.
 */
import { AsyncResource } from 'node:async_hooks';

type Bindable = (...args: unknown[]) => unknown;

let installed = false;

function leanBind(this: AsyncResource, fn: Bindable, thisArg?: unknown): Bindable {
  if (typeof fn !== 'function') {
    const error = new TypeError(`The "fn" argument must be of type function. Received ${typeof fn}`);
    (error as NodeJS.ErrnoException).code = 'ERR_INVALID_ARG_TYPE';
    throw error;
  }
  const resource = this;
  const bound =
    thisArg === undefined
      ? function (this: unknown, ...args: unknown[]) {
          return resource.runInAsyncScope(fn, this, ...args);
        }
      : resource.runInAsyncScope.bind(resource, fn, thisArg);
  Object.defineProperties(bound, {
    length: { configurable: true, enumerable: false, value: fn.length, writable: false },
    asyncResource: { configurable: true, enumerable: true, value: resource, writable: true },
  });
  return bound;
}

/** Replaces the worker's AsyncResource#bind, once, if Node's defines the deprecated accessor. */
export function installLeanBind(): void {
  if (installed) return;
  installed = true;
  const probe = new AsyncResource('onepool-probe').bind(() => {});
  if (typeof Object.getOwnPropertyDescriptor(probe, 'asyncResource')?.get !== 'function') return;
  (AsyncResource.prototype as { bind: unknown }).bind = leanBind;
}
