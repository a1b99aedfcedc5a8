/**
 * The public surface, pinned: what `onepool` exports at run time, the same from the ESM and the CJS
 * build, and nothing that is onepool's own plumbing (wire helpers and test hooks live at
 * `onepool/internal`). A change here is a change of the public API: README, types and CHANGELOG too.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import * as esm from 'onepool';
import * as internal from 'onepool/internal';

const PUBLIC = [
  'AbortedError',
  'CancelToken',
  'Client',
  'ConnectError',
  'ConnectTimeoutError',
  'ConnectionClosedError',
  'FileBody',
  'HTTPStatusError',
  'Headers',
  'InvalidArgumentError',
  'InvalidHeaderError',
  'InvalidRequestError',
  'InvalidURLError',
  'JSONDecodeError',
  'MockNotMatchedError',
  'MockPool',
  'NotProcessedError',
  'OnepoolError',
  'Pool',
  'PoolClosedError',
  'PoolTimeoutError',
  'ProxyError',
  'ReadTimeoutError',
  'RedirectError',
  'RequestError',
  'Response',
  'ResponseError',
  'ResponseTooLargeError',
  'StaleConnectionError',
  'StreamingResponse',
  'SyncClient',
  'SyncStreamingResponse',
  'TLSError',
  'TimeoutError',
  'TooManyRedirectsError',
  'TotalTimeoutError',
  'WorkerCrashedError',
  'WriteTimeoutError',
  'configurePool',
  'createMockPool',
  'createPool',
  'createRecordingPool',
  'describeStats',
  'file',
  'http',
  'httpSync',
  'loadCookieJar',
  'poolOptions',
  'saveCookieJar',
];

const INTERNAL = [
  'crashWorker',
  'fromWire',
  'toWire',
  'workerHeapUsed',
  'workerHeartbeat',
  'workerLentBuffersMade',
  'workerRunning',
];

const sorted = (names: Iterable<string>) => [...names].sort();

test('the main entry exports exactly the public API (ESM)', () => {
  assert.deepEqual(sorted(Object.keys(esm)), sorted(PUBLIC));
});

test('the CJS build exports the same names as the ESM build', () => {
  const cjs = createRequire(import.meta.url)('onepool') as Record<string, unknown>;
  assert.deepEqual(sorted(Object.keys(cjs)), sorted(PUBLIC));
});

test('onepool/internal holds the wire helpers and the test hooks, and nothing public', () => {
  assert.deepEqual(sorted(Object.keys(internal)), sorted(INTERNAL));
  for (const name of INTERNAL) assert.ok(!PUBLIC.includes(name), name);
});

test('every exported error class derives from OnepoolError and names itself', () => {
  const classes = PUBLIC.filter((name) => name.endsWith('Error'));
  for (const name of classes) {
    const Class = (esm as unknown as Record<string, new (message: string) => Error>)[name]!;
    assert.ok(Class.prototype instanceof esm.OnepoolError || Class === esm.OnepoolError, name);
    if (name !== 'HTTPStatusError') assert.equal(new Class('x').name, name);
  }
});
