// OpenTelemetry spans for onepool, from its diagnostics channels: one CLIENT span per exchange (a
// redirect hop or a retry is an exchange of its own), on both faces, with the HTTP semantic
// conventions' attributes. Copy `instrumentOnepool` into your code; `node examples/opentelemetry.mjs`
// runs it against a local server and prints the spans of a redirect chain.
//
// The span starts in the caller's thread, inside the call, so it is a child of the span active
// there (with an async context manager, e.g. the Node SDK's, for the async face too).
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';

/**
 * Turns onepool's exchanges into spans of `tracer` (default: the global tracer provider's
 * `onepool`). Returns the function that stops it.
 * @param {import('@opentelemetry/api').Tracer} [tracer]
 * @returns {() => void}
 */
export function instrumentOnepool(tracer = trace.getTracer('onepool')) {
  /** the open span of each exchange, by its id (the same in its start, headers, end and error) */
  const spans = new Map();

  const onStart = (/** @type {import('onepool').RequestStartMessage} */ message) => {
    const url = new URL(message.request.url);
    const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
    const span = tracer.startSpan(
      message.request.method,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          'http.request.method': message.request.method,
          'url.full': message.request.url,
          'server.address': url.hostname.replace(/^\[|\]$/g, ''),
          'server.port': port,
          'onepool.face': message.face,
        },
      },
      context.active(),
    );
    spans.set(message.id, span);
  };

  const onHeaders = (/** @type {import('onepool').RequestHeadersMessage} */ message) => {
    const span = spans.get(message.id);
    if (!span) return;
    span.setAttribute('http.response.status_code', message.response.status);
    span.setAttribute('network.protocol.version', message.response.httpVersion);
    span.setAttribute('onepool.connection.reused', message.response.connection.reused);
    if (message.response.status >= 400) {
      span.setAttribute('error.type', String(message.response.status));
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
  };

  const onEnd = (/** @type {import('onepool').RequestEndMessage} */ message) => {
    const span = spans.get(message.id);
    if (!span) return;
    spans.delete(message.id);
    // The worker's phases, for a trace viewer to show where the time went.
    for (const [phase, ms] of Object.entries(message.timings.phases))
      span.setAttribute(`onepool.timings.${phase}`, ms);
    span.end();
  };

  const onError = (/** @type {import('onepool').RequestErrorMessage} */ message) => {
    const span = spans.get(message.id);
    if (!span) return;
    spans.delete(message.id);
    span.recordException(message.error);
    span.setAttribute('error.type', message.error.code ?? message.error.name);
    span.setStatus({ code: SpanStatusCode.ERROR, message: message.error.message });
    span.end();
  };

  const listeners = [
    ['onepool:request:start', onStart],
    ['onepool:request:headers', onHeaders],
    ['onepool:request:end', onEnd],
    ['onepool:request:error', onError],
  ];
  for (const [name, listener] of listeners) subscribe(name, listener);
  return () => {
    for (const [name, listener] of listeners) unsubscribe(name, listener);
  };
}

// Run directly: a redirect chain on a local server, on both faces, its spans printed.
if (import.meta.url === `file://${process.argv[1]}`) {
  const { createServer } = await import('node:http');
  const { fork } = await import('node:child_process');
  const { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } = await import(
    '@opentelemetry/sdk-trace-base'
  );
  const { http, httpSync } = await import('onepool');
  if (process.argv[2] === 'serve') {
    // The server runs in a process of its own, so the sync face can block this one.
    const server = createServer((req, res) => {
      if (req.url === '/old') res.writeHead(302, { location: '/new' }).end();
      else res.writeHead(200, { 'content-type': 'text/plain' }).end('here');
    });
    server.listen(0, '127.0.0.1', () => process.send?.(server.address().port));
  } else {
    const child = fork(new URL(import.meta.url), ['serve']);
    const port = await new Promise((resolve) => child.once('message', resolve));
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const stop = instrumentOnepool(provider.getTracer('example'));
    await http.get(`http://127.0.0.1:${port}/old`);
    httpSync.get(`http://127.0.0.1:${port}/old`);
    stop();
    for (const span of exporter.getFinishedSpans())
      console.log(
        span.name,
        span.attributes['onepool.face'],
        span.attributes['url.full'],
        span.attributes['http.response.status_code'],
      );
    child.kill();
  }
}
