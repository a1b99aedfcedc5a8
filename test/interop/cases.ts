/**
 * One interop suite, run against each third-party server on every route it speaks, on both faces:
 * downloads checked by SHA-256 (buffered and streamed), gzip, 404, HEAD and connection reuse,
 * uploads echoed back (bytes, file, chunked iterable), and concurrency over one HTTP/2 connection.
 * Each test uses a private pool, so its stats are its own.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createPool, file, type Pool, type RequestOptions, type Response } from 'onepool';
import { missing } from '../helpers/daemons.ts';
import { type AnyFace, FACES } from '../helpers/face-kinds.ts';
import { makeDocroot, sha256 } from './docroot.ts';
import { type InteropServer, type InteropTarget, routeOptions, routeProtocol } from './server.ts';

export type CaseId =
  | 'downloads'
  | 'gzip'
  | '404'
  | '404-reuse'
  | 'head'
  | 'head-reuse'
  | 'upload-bytes'
  | 'upload-file'
  | 'upload-iterable'
  | 'h2-concurrency';

const CONCURRENT = 12;
const CHUNK = 256 * 1024;
/** far above any call here (3 MiB on loopback), so it only stops a hang */
const CALL_BOUND_MS = 60_000;

export function interopSuite(target: InteropTarget): void {
  const skip = missing(target.binary, target.packages);
  const root = makeDocroot();
  let server: InteropServer;
  const pools: Pool[] = [];
  before(async () => {
    if (!skip) server = await target.start(root);
  });
  after(async () => {
    await Promise.all(pools.map((pool) => pool.close()));
    await server?.close();
    root.remove();
  });

  const chunks = function* () {
    for (let at = 0; at < root.random.bytes.length; at += CHUNK)
      yield root.random.bytes.subarray(at, at + CHUNK);
  };

  for (const route of target.routes) {
    const protocol = routeProtocol(route);
    describe(`${target.name} ${route}`, { skip }, () => {
      const url = (path: string) => server.origins[route]! + path;
      const connected = (res: Pick<Response, 'connection' | 'httpVersion'>) => {
        assert.equal(res.connection.protocol, protocol);
        assert.equal(res.httpVersion, protocol === 'h2' ? '2' : '1.1');
      };

      for (const face of FACES) {
        /** Declares one case; `id` names it in the case list (CaseId). */
        const check = (_id: CaseId, title: string, body: () => Promise<void>) => {
          test(`${face.name}: ${title}`, body);
        };
        /** A client of its own pool, with the route's options (TLS trust, http2 mode) and a bound on each call. */
        const client = (): AnyFace => {
          const pool = createPool();
          pools.push(pool);
          return face.make({ pool, timeout: { total: CALL_BOUND_MS }, ...routeOptions(route, server) });
        };
        const opened = async (c: AnyFace) => (await c.pool.stats()).totals.opened;
        const upload = async (body: RequestOptions['body'], headers?: Record<string, string>) =>
          client().post(url(server.echoPath), { body, ...(headers && { headers }) });
        const intact = (res: Response) => {
          assert.equal(res.status, 200);
          connected(res);
          assert.equal(sha256(res.bytes()), root.random.sha256);
        };

        check('downloads', 'downloads match their SHA-256, buffered and streamed', async () => {
          const c = client();
          for (const served of [root.random, root.text, root.empty]) {
            const res = await c.get(url(served.path));
            assert.equal(res.status, 200, served.path);
            connected(res);
            assert.equal(sha256(res.bytes()), served.sha256, served.path);
          }
          const streamed = await c.stream('GET', url(root.random.path));
          connected(streamed);
          assert.equal(sha256(await streamed.bytes()), root.random.sha256);
        });

        if (target.gzip)
          check('gzip', 'a gzip-encoded response is decoded; decompress: false gets it as sent', async () => {
            const c = client();
            const res = await c.get(url(root.text.path));
            assert.equal(res.headers.get('content-encoding'), 'gzip');
            assert.equal(sha256(res.bytes()), root.text.sha256);
            const raw = await c.get(url(root.text.path), { decompress: false });
            assert.equal(raw.headers.get('content-encoding'), null);
            assert.equal(sha256(raw.bytes()), root.text.sha256);
          });

        check('404', 'a 404 is an answer, not an error', async () => {
          const absent = await client().get(url('/files/no-such-file'));
          assert.equal(absent.status, 404);
          assert.equal(absent.ok, false);
          connected(absent);
        });

        check('404-reuse', "a 404's connection serves the next request", async () => {
          const c = client();
          const absent = await c.get(url('/files/no-such-file'));
          const next = await c.get(url(root.text.path));
          assert.equal(next.status, 200);
          assert.equal(next.connection.id, absent.connection.id, 'the GET ran on the 404 connection');
          assert.equal(next.connection.reused, true);
          assert.equal(await opened(c), 1);
        });

        check('head', 'HEAD answers the headers of a GET without a body', async () => {
          const res = await client().head(url(root.random.path));
          assert.equal(res.status, 200);
          connected(res);
          assert.equal(res.headers.get('content-length'), String(root.random.bytes.length));
          assert.equal(res.bytes().length, 0);
        });

        check('head-reuse', 'a HEAD leaves its connection to the next request', async () => {
          const c = client();
          const head = await c.head(url(root.random.path));
          const get = await c.get(url(root.random.path));
          assert.equal(sha256(get.bytes()), root.random.sha256);
          assert.equal(get.connection.id, head.connection.id, 'the GET ran on the HEAD connection');
          assert.equal(get.connection.reused, true);
          assert.equal(await opened(c), 1);
        });

        if (!target.echoes) continue;
        check('upload-bytes', 'a byte body is uploaded intact', async () => {
          intact(await upload(root.random.bytes));
        });
        check('upload-file', 'a file() body is uploaded intact', async () => {
          intact(await upload(file(join(root.dir, root.random.path))));
        });
        if (protocol === 'h2' && target.h2BodiesNeedLength)
          check(
            'upload-iterable',
            "an iterable body without Content-Length gets the server's 411; with one it is uploaded intact",
            async () => {
              const refused = await upload(chunks());
              assert.equal(refused.status, 411);
              connected(refused);
              intact(await upload(chunks(), { 'content-length': String(root.random.bytes.length) }));
            },
          );
        else
          check('upload-iterable', 'an iterable body (chunked on HTTP/1.1) is uploaded intact', async () => {
            intact(await upload(chunks()));
          });

        if (protocol === 'h2')
          check(
            'h2-concurrency',
            `${CONCURRENT} concurrent requests share one HTTP/2 connection`,
            async () => {
              const c = client();
              const requests = Array.from({ length: CONCURRENT }, (_, i) => ({
                url: url(i % 2 ? root.random.path : root.text.path),
              }));
              const results = await c.all(requests, { concurrency: CONCURRENT });
              const ids = new Set<number>();
              results.forEach((result, i) => {
                assert.ok(result.ok, `request ${i}: ${result.ok ? '' : result.error}`);
                connected(result.response);
                ids.add(result.response.connection.id);
                const expected = i % 2 ? root.random : root.text;
                assert.equal(sha256(result.response.bytes()), expected.sha256, `request ${i}`);
              });
              assert.equal(ids.size, 1);
              assert.equal(await opened(c), 1);
            },
          );
      }
    });
  }
}
