/**
 * What requests users expect, on both faces, against real loopback servers: fragments kept across
 * redirects, a typed error for a body that is not JSON, headers removed with null, form bodies of
 * every shape, values of the wrong type refused before anything is sent, and a cancelled stream
 * that yields nothing more.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  InvalidArgumentError,
  InvalidURLError,
  JSONDecodeError,
  OnepoolError,
  type ParamValue,
  RedirectError,
  RequestError,
  type RequestOptions,
  type Response,
} from 'onepool';
import { FACES } from './helpers/face-kinds.ts';
import { startServer, type TestServer } from './helpers/servers.ts';

let server: TestServer;

before(async () => {
  server = await startServer('http');
});
after(() => server.close());

type Echo = {
  method: string;
  url: string;
  headers: Record<string, string>;
  rawHeaders: string[];
  body: string;
};
const echo = (res: Response) => res.json<Echo>();

describe('fragments on redirect (RFC 9110 §10.2.2)', () => {
  for (const face of FACES) {
    test(`${face.name}: a Location without a fragment keeps the original one`, async () => {
      const client = face.make();
      const res = await client.get(server.url(`/redirect/302?to=${encodeURIComponent('/echo')}#view=edit`));
      assert.equal(res.status, 200);
      assert.equal(new URL(res.url).pathname, '/echo');
      assert.ok(res.url.endsWith('/echo#view=edit'), res.url);
      // The fragment shapes res.url only: neither request line carried it.
      assert.equal(echo(res).url, '/echo');
      assert.equal(res.history.length, 1);
      assert.ok(res.history[0]!.url.endsWith('#view=edit'), res.history[0]!.url);
    });

    test(`${face.name}: a Location with its own fragment uses that one`, async () => {
      const client = face.make();
      const res = await client.get(
        server.url(`/redirect/301?to=${encodeURIComponent('/echo#section-2')}#view=edit`),
      );
      assert.ok(res.url.endsWith('/echo#section-2'), res.url);
      assert.equal(echo(res).url, '/echo');
    });

    test(`${face.name}: the fragment survives a chain of hops, and stream() sees it too`, async () => {
      const client = face.make();
      const res = await client.get(server.url('/chain/3#top'));
      assert.ok(res.url.endsWith('/echo#top'), res.url);
      assert.equal(res.history.length, 3);
      const streamed = await client.stream('GET', server.url('/chain/2#top'));
      assert.ok(streamed.url.endsWith('/echo#top'), streamed.url);
      await streamed.cancel();
      const { seen } = await server.stats();
      assert.ok(
        seen.every((r) => !r.url.includes('#')),
        'no fragment on any request line',
      );
    });
  }
});

describe('res.json() on a body that is not JSON', () => {
  const text = (body: string, type = 'text/html') =>
    server.url(`/text?body=${encodeURIComponent(body)}&type=${encodeURIComponent(type)}`);

  for (const face of FACES) {
    test(`${face.name}: JSONDecodeError with the position, the text and the SyntaxError as cause`, async () => {
      const client = face.make();
      const res = await client.get(text('<html><body>502 Bad Gateway</body></html>'));
      assert.equal(res.status, 200);
      assert.throws(
        () => res.json(),
        (error: unknown) => {
          assert.ok(error instanceof JSONDecodeError);
          assert.ok(error instanceof OnepoolError);
          assert.ok(!(error instanceof RequestError), 'the exchange itself succeeded');
          assert.equal(error.name, 'JSONDecodeError');
          assert.equal(error.code, 'ONEPOOL_ERR_JSON');
          assert.equal(JSONDecodeError.code, 'ONEPOOL_ERR_JSON');
          assert.equal(error.position, 0);
          assert.equal(error.text, '<html><body>502 Bad Gateway</body></html>');
          assert.ok(error.cause instanceof SyntaxError);
          assert.match(error.message, /is not JSON at position 0/);
          assert.ok(error.message.includes(res.url), error.message);
          return true;
        },
      );
      // The body is still there to read as text.
      assert.equal(res.text(), '<html><body>502 Bad Gateway</body></html>');
    });

    test(`${face.name}: the position inside a document, after it, and at an empty body's end`, async () => {
      const client = face.make();
      const position = async (url: string) => {
        const res = await client.get(url);
        try {
          res.json();
        } catch (error) {
          assert.ok(error instanceof JSONDecodeError, String(error));
          return error.position;
        }
        return assert.fail('json() did not throw');
      };
      assert.equal(await position(text('{"a": x}', 'application/json')), 6);
      assert.equal(await position(text('{"a":1,}', 'application/json')), 7);
      assert.equal(await position(text('[1, 2] 3', 'application/json')), 7);
      assert.equal(await position(server.url('/status/200')), 0);
      assert.equal(await position(server.url('/status/204')), 0);
    });

    test(`${face.name}: a large body's text is cut to JSONDecodeError.TEXT_LIMIT characters`, async () => {
      const client = face.make();
      // Binary bytes from the server itself: a long URL would put its own length into the message.
      const res = await client.get(server.url('/bytes/5000'));
      assert.ok(res.text().length > 1024);
      const error = (() => {
        try {
          res.json();
        } catch (e) {
          return e;
        }
        return assert.fail('json() did not throw');
      })();
      assert.ok(error instanceof JSONDecodeError);
      assert.equal(JSONDecodeError.TEXT_LIMIT, 1024);
      assert.equal(error.text.length, 1024);
      assert.equal(error.text, res.text().slice(0, 1024));
      assert.equal(error.position, 0);
      assert.ok(error.message.length < 300, 'the message does not carry the body');
    });

    test(`${face.name}: a JSON body still parses`, async () => {
      const res = await face.make().get(server.url('/echo'));
      assert.equal(echo(res).method, 'GET');
    });
  }
});

describe('headers set to null or undefined', () => {
  /** The names of the request's headers as they arrived, lower case, without those undici adds. */
  const wireNames = (res: Response) =>
    echo(res)
      .rawHeaders.filter((_, i) => i % 2 === 0)
      .map((name) => name.toLowerCase())
      .filter((name) => !['host', 'connection', 'content-length'].includes(name));

  for (const face of FACES) {
    test(`${face.name}: a call's null removes the client's header of that name, case-insensitively`, async () => {
      const client = face.make({ headers: { foo: 'a', keep: 'k' } });
      const sent = echo(await client.get(server.url('/echo'), { headers: { FOO: null } })).headers;
      assert.equal(sent.foo, undefined);
      assert.equal(sent.keep, 'k');
      const alsoUndefined = echo(await client.get(server.url('/echo'), { headers: { Foo: undefined } }));
      assert.equal(alsoUndefined.headers.foo, undefined);
      const pairs = echo(await client.get(server.url('/echo'), { headers: [['fOo', null]] }));
      assert.equal(pairs.headers.foo, undefined);
      // An extended client takes the removal as its own default.
      const extended = echo(await client.extend({ headers: { foo: null } }).get(server.url('/echo')));
      assert.equal(extended.headers.foo, undefined);
      assert.equal(extended.headers.keep, 'k');
      // Without a null the client's header is still sent.
      assert.equal(echo(await client.get(server.url('/echo'))).headers.foo, 'a');
    });

    test(`${face.name}: null removes onepool's default User-Agent, Accept and Accept-Encoding`, async () => {
      const plain = echo(await face.make().get(server.url('/echo'))).headers;
      assert.equal(plain['user-agent'], 'onepool/0.1');
      assert.equal(plain.accept, '*/*');
      assert.equal(plain['accept-encoding'], 'gzip, deflate, br');
      for (const name of ['accept-encoding', 'User-Agent', 'ACCEPT']) {
        const onCall = echo(await face.make().get(server.url('/echo'), { headers: { [name]: null } }));
        assert.equal(onCall.headers[name.toLowerCase()], undefined, `call: ${name}`);
        const onClient = echo(await face.make({ headers: { [name]: null } }).get(server.url('/echo')));
        assert.equal(onClient.headers[name.toLowerCase()], undefined, `client: ${name}`);
      }
      // A call's value wins over a client's removal.
      const client = face.make({ headers: { 'user-agent': null } });
      const mine = echo(await client.get(server.url('/echo'), { headers: { 'User-Agent': 'mine/1' } }));
      assert.equal(mine.headers['user-agent'], 'mine/1');
    });

    test(`${face.name}: on the wire, onepool's defaults first, then the headers in the order given`, async () => {
      const client = face.make({ headers: { 'x-client-b': '1', 'x-client-a': '2' } });
      const res = await client.post(server.url('/echo'), {
        headers: [
          ['x-call-z', '3'],
          ['x-call-y', '4'],
        ],
        json: { a: 1 },
      });
      assert.deepEqual(wireNames(res), [
        'user-agent',
        'accept',
        'accept-encoding',
        'x-client-b',
        'x-client-a',
        'x-call-z',
        'x-call-y',
        'content-type',
      ]);
      // A default the user gives goes where the user put it.
      const given = await face.make().get(server.url('/echo'), {
        headers: { 'x-first': '1', Accept: 'application/json' },
      });
      assert.deepEqual(wireNames(given), ['user-agent', 'accept-encoding', 'x-first', 'accept']);
    });
  }
});

/** Asserts that `call` is refused with InvalidArgumentError (or `Class`) and that nothing reached the server. */
async function refusedBeforeSending(
  call: () => unknown,
  pattern: RegExp,
  Class: new (...args: never[]) => Error = InvalidArgumentError,
): Promise<void> {
  const before = (await server.stats()).requests;
  await assert.rejects(
    async () => call(),
    (error: unknown) => {
      assert.ok(error instanceof Class, String(error));
      assert.match((error as Error).message, pattern);
      return true;
    },
  );
  assert.equal((await server.stats()).requests, before, 'nothing was sent');
}

describe('form, multipart and json bodies', () => {
  for (const face of FACES) {
    test(`${face.name}: form takes a Map, URLSearchParams and [name, value] pairs, in order`, async () => {
      const client = face.make();
      const post = async (form: NonNullable<RequestOptions['form']>) => {
        const sent = echo(await client.post(server.url('/echo'), { form }));
        assert.equal(sent.headers['content-type'], 'application/x-www-form-urlencoded');
        return sent.body;
      };
      assert.equal(
        await post(
          new Map<string, ParamValue>([
            ['b', 'x y'],
            ['a', ['1', 2]],
            ['skip', null],
          ]),
        ),
        'b=x+y&a=1&a=2',
      );
      assert.equal(
        await post([
          ['a', 'b'],
          ['a', 'c'],
          ['d', true],
        ]),
        'a=b&a=c&d=true',
      );
      assert.equal(await post(new URLSearchParams([['q', '&=']])), 'q=%26%3D');
      assert.equal(await post({ z: '1', y: ['2', '3'] }), 'z=1&y=2&y=3');
    });

    test(`${face.name}: form refuses values it cannot carry, before sending`, async () => {
      const client = face.make();
      const url = server.url('/echo');
      const form = (value: unknown) => ({ form: value as RequestOptions['form'] });
      await refusedBeforeSending(() => client.post(url, form({ a: { b: 1 } })), /form field "a"/);
      await refusedBeforeSending(() => client.post(url, form({ a: [[1]] })), /form field "a"/);
      await refusedBeforeSending(
        () => client.post(url, form(new Map([['a', new Date(0)]]))),
        /form field "a"/,
      );
      await refusedBeforeSending(() => client.post(url, form([['a', 'b', 'c']])), /\[name, value\] pairs/);
      await refusedBeforeSending(() => client.post(url, form('a=1')), /use body/);
      await refusedBeforeSending(() => client.post(url, form(new Set(['a']))), /form must be/);
    });

    test(`${face.name}: multipart refuses a value of the wrong type, before sending`, async () => {
      const client = face.make();
      const url = server.url('/echo');
      const multipart = (value: unknown) => ({ multipart: value as RequestOptions['multipart'] });
      await refusedBeforeSending(
        () => client.post(url, multipart({ a: [[1, 2]] })),
        /multipart field a: an array/,
      );
      await refusedBeforeSending(() => client.post(url, multipart({ a: [{}] })), /\{ value \} must be/);
      await refusedBeforeSending(() => client.post(url, multipart({ a: { value: 123 } })), /a number/);
      await refusedBeforeSending(() => client.post(url, multipart({ a: new Map() })), /a Map is not/);
      await refusedBeforeSending(
        () => client.post(url, multipart({ a: { value: 'x', filename: 7 } })),
        /filename must be a string/,
      );
      // What the type allows still goes out: numbers and booleans among them.
      const sent = echo(await client.post(url, multipart({ n: [1, 2], b: true, f: { value: 'x' } })));
      assert.match(sent.headers['content-type']!, /^multipart\/form-data; boundary=/);
      assert.match(sent.body, /name="n"\r\n\r\n1\r\n/);
      assert.match(sent.body, /name="n"\r\n\r\n2\r\n/);
      assert.match(sent.body, /name="f"; filename="blob"/);
    });

    test(`${face.name}: json refuses NaN, Infinity, BigInt and cycles, before sending`, async () => {
      const client = face.make();
      const url = server.url('/echo');
      await refusedBeforeSending(() => client.post(url, { json: Number.NaN }), /^json is NaN/);
      await refusedBeforeSending(
        () => client.post(url, { json: { items: [{ price: 1 }, { price: Number.POSITIVE_INFINITY }] } }),
        /^json\.items\[1\]\.price is Infinity/,
      );
      await refusedBeforeSending(() => client.post(url, { json: [-Infinity] }), /^json\[0\] is -Infinity/);
      await refusedBeforeSending(() => client.post(url, { json: { id: 1n } }), /^json\.id is a BigInt/);
      const cycle: Record<string, unknown> = { a: 1 };
      cycle.self = cycle;
      await refusedBeforeSending(() => client.post(url, { json: cycle }), /cycle/);
      // Finite numbers, and a toJSON that returns one, go out as before.
      const sent = echo(await client.post(url, { json: { n: 1.5, d: new Date(0), nil: null } }));
      assert.deepEqual(JSON.parse(sent.body), { n: 1.5, d: '1970-01-01T00:00:00.000Z', nil: null });
    });
  }
});

describe('option values of the wrong shape are refused before sending', () => {
  for (const face of FACES) {
    test(`${face.name}: timeout given as an array`, async () => {
      const url = server.url('/echo');
      const timeout = [1000, 2000] as unknown as RequestOptions['timeout'];
      await refusedBeforeSending(() => face.make().get(url, { timeout }), /timeout must be .*not an array/);
      // Merged over a client's timeout object, the array is not spread into index keys.
      const client = face.make({ timeout: { read: 5000 } });
      await refusedBeforeSending(() => client.get(url, { timeout }), /not an array/);
      await refusedBeforeSending(() => face.make({ timeout }).get(url), /not an array/);
    });

    test(`${face.name}: a proxy URL whose authority is missing or odd`, async () => {
      const url = server.url('/echo');
      for (const proxy of [
        'http:/127.0.0.1:1',
        'http:///127.0.0.1:1',
        'http:127.0.0.1:1',
        'socks5:\\\\127.0.0.1:1',
      ])
        await refusedBeforeSending(() => face.make().get(url, { proxy }), /invalid proxy URL/);
      await refusedBeforeSending(
        () => face.make().get(url, { proxy: 'http://*proxy.test:1' }),
        /invalid proxy URL/,
      );
      await refusedBeforeSending(
        () => face.make().get(url, { proxy: { url: 'http://.proxy.test:1' } }),
        /invalid proxy URL \(an empty label/,
      );
    });

    test(`${face.name}: a host name that cannot be valid is InvalidURLError`, async () => {
      const client = face.make();
      for (const url of [
        'http://*example.com/',
        'http://.example.com/',
        'http://a..example.com/',
        'https://ex!ample.com/',
      ])
        await refusedBeforeSending(() => client.get(url), /invalid URL/, InvalidURLError);
      await refusedBeforeSending(
        () => face.make({ baseURL: 'http://*api.test/' }).get('items'),
        /invalid URL/,
        InvalidURLError,
      );
      // A Location to such a host is not followed.
      await assert.rejects(
        async () => client.get(server.url(`/redirect/302?to=${encodeURIComponent('http://*evil.test/')}`)),
        (error: unknown) => error instanceof RedirectError && /invalid redirect Location/.test(error.message),
      );
    });

    test(`${face.name}: tls.ca, tls.cert and tls.key that are not PEM (a file path) are refused`, async () => {
      const url = server.url('/echo');
      await refusedBeforeSending(
        () => face.make().get(url, { tls: { ca: '/etc/ssl/certs/my-ca.pem' } }),
        /^tls\.ca is not PEM.*readFileSync\("\/etc\/ssl\/certs\/my-ca\.pem", 'utf8'\)/,
      );
      await refusedBeforeSending(
        () => face.make().get(url, { tls: { ca: [Buffer.from('not a certificate')] } }),
        /^tls\.ca is not PEM/,
      );
      await refusedBeforeSending(
        () => face.make().get(url, { tls: { cert: 'client.crt', key: 'k' } }),
        /^tls\.cert/,
      );
      await refusedBeforeSending(() => face.make().get(url, { tls: { ca: '' } }), /^tls\.ca is empty/);
      await refusedBeforeSending(
        () => face.make().get(url, { proxy: { url: 'https://127.0.0.1:1', tls: { ca: 'proxy-ca.pem' } } }),
        /^proxy\.tls\.ca is not PEM/,
      );
    });
  }
});

describe('a streamed response read after cancel()', () => {
  for (const face of FACES) {
    test(`${face.name}: yields no more bytes, whether or not the body had already arrived`, async () => {
      const client = face.make();
      for (const path of ['/bytes/964', '/stream-bytes/300000']) {
        const res = await client.stream('GET', server.url(path));
        assert.equal(res.status, 200);
        // Time for a small body to arrive in full (async face: it lands in the queue meanwhile).
        await new Promise((resolve) => setTimeout(resolve, 50));
        await res.cancel();
        let bytes = 0;
        if (face.name === 'async')
          for await (const chunk of res as AsyncIterable<Uint8Array>) bytes += chunk.length;
        else for (const chunk of res as Iterable<Uint8Array>) bytes += chunk.length;
        assert.equal(bytes, 0, `${path}: bytes read after cancel()`);
        assert.equal(res.trailers, undefined, 'a cancelled body never reached its end');
      }
      // The pool is usable afterwards.
      assert.equal((await client.get(server.url('/bytes/10'))).bytes().length, 10);
    });

    test(`${face.name}: cancel() mid-body stops the reads that follow`, async () => {
      const client = face.make();
      const res = await client.stream('GET', server.url('/stream-bytes/1000000'));
      let before = 0;
      let after = 0;
      let cancelled = false;
      const read = (chunk: Uint8Array) => {
        if (cancelled) after += chunk.length;
        else before += chunk.length;
      };
      if (face.name === 'async') {
        const it = (res as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
        const first = await it.next();
        if (!first.done) read(first.value);
        await res.cancel();
        cancelled = true;
        for (let step = await it.next(); !step.done; step = await it.next()) read(step.value);
      } else {
        const it = (res as Iterable<Uint8Array>)[Symbol.iterator]();
        const first = it.next();
        if (!first.done) read(first.value);
        await res.cancel();
        cancelled = true;
        for (let step = it.next(); !step.done; step = it.next()) read(step.value);
      }
      assert.ok(before > 0);
      assert.equal(after, 0);
    });
  }
});
