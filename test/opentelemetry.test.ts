/**
 * examples/opentelemetry.mjs: the spans of a redirect chain, on both faces, over HTTP/1.1 and
 * HTTP/2, collected with @opentelemetry/sdk-trace-base's in-memory exporter. One CLIENT span per
 * exchange, with the HTTP semantic conventions' attributes; on the sync face every span is a child
 * of the span active around the call.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  type Context,
  type ContextManager,
  context,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { Client } from 'onepool';
import { refusedURL, startServer, type TestServer } from './helpers/servers.ts';

// A JavaScript example: imported by a computed path, so that the type checker does not look for its types.
const example = '../examples/opentelemetry.mjs';
const { instrumentOnepool } = (await import(example)) as {
  instrumentOnepool: (tracer: Tracer) => () => void;
};

/**
 * The smallest context manager: a stack, kept through synchronous code only (the Node SDK's keeps it
 * through async code too). Enough to show where the example's spans start.
 */
class StackContextManager implements ContextManager {
  readonly #stack: Context[] = [];
  active(): Context {
    return this.#stack.at(-1) ?? ROOT_CONTEXT;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    ctx: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    this.#stack.push(ctx);
    try {
      return fn.call(thisArg, ...args);
    } finally {
      this.#stack.pop();
    }
  }
  bind<T>(_context: Context, target: T): T {
    return target;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    this.#stack.length = 0;
    return this;
  }
}
context.setGlobalContextManager(new StackContextManager());

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const tracer = provider.getTracer('onepool-test');

const kinds = [
  { kind: 'http', version: '1.1' },
  { kind: 'h2', version: '2' },
] as const;
const servers = new Map<string, TestServer>();
let stop: () => void;
before(async () => {
  for (const { kind } of kinds) servers.set(kind, await startServer(kind));
  stop = instrumentOnepool(tracer);
});
after(async () => {
  stop();
  await Promise.all([...servers.values()].map((s) => s.close()));
});

const spansOf = (face: string): ReadableSpan[] =>
  exporter.getFinishedSpans().filter((span) => span.attributes['onepool.face'] === face);

for (const { kind, version } of kinds) {
  for (const face of ['async', 'sync'] as const) {
    describe(`${face}, ${kind}`, () => {
      test('a redirect chain: one CLIENT span per exchange, with the HTTP attributes', async () => {
        exporter.reset();
        const server = servers.get(kind)!;
        const client = new Client(server.cert ? { tls: { ca: server.cert } } : {});
        const parent = tracer.startSpan('caller');
        const url = server.url('/chain/2');
        await context.with(trace.setSpan(context.active(), parent), () =>
          face === 'async' ? client.get(url) : client.sync.get(url),
        );
        parent.end();
        const spans = spansOf(face);
        assert.deepEqual(
          spans.map((s) => new URL(String(s.attributes['url.full'])).pathname),
          ['/chain/2', '/chain/1', '/echo'],
        );
        assert.deepEqual(
          spans.map((s) => s.attributes['http.response.status_code']),
          [302, 302, 200],
        );
        const { hostname, port } = new URL(server.origin);
        for (const span of spans) {
          assert.equal(span.name, 'GET');
          assert.equal(span.kind, SpanKind.CLIENT);
          assert.equal(span.attributes['http.request.method'], 'GET');
          assert.equal(span.attributes['server.address'], hostname);
          assert.equal(span.attributes['server.port'], Number(port));
          assert.equal(span.attributes['network.protocol.version'], version);
          assert.equal(span.attributes['error.type'], undefined);
          assert.notEqual(span.status.code, SpanStatusCode.ERROR);
          assert.equal(typeof span.attributes['onepool.timings.total'], 'number');
        }
        // The first exchange starts inside the call, so under the caller's span; on the sync face
        // all of them do (the async face needs an async context manager for the later hops).
        const children = face === 'sync' ? spans : spans.slice(0, 1);
        for (const span of children)
          assert.equal(span.parentSpanContext?.spanId, parent.spanContext().spanId);
      });
    });
  }
}

for (const face of ['async', 'sync'] as const) {
  test(`${face}: a failed exchange is an ERROR span with error.type`, async () => {
    exporter.reset();
    const url = await refusedURL();
    const client = new Client();
    await assert.rejects(async () => (face === 'async' ? client.get(url) : client.sync.get(url)));
    const [span, ...more] = spansOf(face);
    assert.equal(more.length, 0);
    assert.equal(span!.status.code, SpanStatusCode.ERROR);
    assert.equal(span!.attributes['error.type'], 'ONEPOOL_ERR_CONNECT');
    assert.equal(span!.events[0]!.name, 'exception');
  });
}
