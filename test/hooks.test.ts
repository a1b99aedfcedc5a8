/**
 * Hooks on both faces: what each hook sees and may change, order (client's first), a throwing hook
 * failing only its own call, async hooks awaited on the async face and refused on the sync face.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type HookRequest, InvalidArgumentError, type Response, SyncClient } from 'onepool';
import { FACES } from './helpers/face-kinds.ts';
import { startServer, type TestServer } from './helpers/servers.ts';

let server: TestServer;
before(async () => {
  server = await startServer('http');
});
after(() => server.close());

const seenHeaders = (res: Response) => res.json<{ headers: Record<string, string> }>().headers;

describe('hooks', () => {
  for (const face of FACES) {
    test(`${face.name}: beforeRequest changes the request, in place or by returning one; client hooks run first`, async () => {
      const order: string[] = [];
      const client = face.make({
        hooks: {
          beforeRequest: [
            (req) => {
              order.push('client');
              req.headers['x-client'] = '1';
            },
          ],
        },
      });
      const res = await client.get(server.url('/echo'), {
        hooks: {
          beforeRequest: [
            (req: HookRequest) => {
              order.push('call');
              return {
                ...req,
                url: server.url('/echo?changed=1'),
                headers: { ...req.headers, 'x-call': '2' },
              };
            },
          ],
        },
      });
      assert.deepEqual(order, ['client', 'call']);
      assert.equal(seenHeaders(res)['x-client'], '1');
      assert.equal(seenHeaders(res)['x-call'], '2');
      assert.equal(res.url, server.url('/echo?changed=1'));
    });

    test(`${face.name}: afterResponse sees every response; beforeRedirect and beforeRetry see plain objects`, async () => {
      const statuses: number[] = [];
      const redirects: string[] = [];
      const retries: [number, number | undefined][] = [];
      const client = face.make({
        retry: { backoff: { base: 1, cap: 5 } },
        hooks: {
          afterResponse: [(res) => void statuses.push(res.status)],
          beforeRedirect: [
            ({ request, response }) => {
              redirects.push(`${response.status} → ${new URL(request.url).pathname}`);
              request.headers['x-hop'] = 'yes';
            },
          ],
          beforeRetry: [({ retryCount, response }) => void retries.push([retryCount, response?.status])],
        },
      });
      const res = await client.get(server.url('/chain/2'));
      assert.deepEqual(statuses, [302, 302, 200]);
      assert.deepEqual(redirects, ['302 → /chain/1', '302 → /echo']);
      assert.equal(seenHeaders(res)['x-hop'], 'yes');
      const flaky = await client.get(server.url(`/flaky/hook-${face.name}?fail=2&status=500`));
      assert.equal(flaky.status, 200);
      assert.deepEqual(retries, [
        [0, 500],
        [1, 500],
      ]);
    });

    test(`${face.name}: a hook that throws fails only its own call`, async () => {
      const boom = new Error('hook failed');
      let calls = 0;
      const client = face.make({
        hooks: {
          beforeRequest: [
            () => {
              if (++calls === 1) throw boom;
            },
          ],
        },
      });
      await assert.rejects(
        async () => client.get(server.url('/echo')),
        (e) => e === boom,
      );
      assert.equal((await client.get(server.url('/echo'))).status, 200);
    });

    test(`${face.name}: a one-line arrow hook's return value is not a replacement request`, async () => {
      const client = face.make({
        hooks: {
          // returns 'y', the assignment's value: the change was made in place
          // biome-ignore lint/suspicious/noAssignInExpressions: the shape users write
          beforeRequest: [(req) => (req.headers['x-arrow'] = 'y') as unknown as undefined],
          // returns a number: nothing to replace the response with
          afterResponse: [(res) => res.status as unknown as undefined],
        },
      });
      const res = await client.get(server.url('/echo'));
      assert.equal(res.status, 200);
      assert.equal(seenHeaders(res)['x-arrow'], 'y');
    });

    test(`${face.name}: a beforeRequest hook that returns an object that is not a request names the hook`, async () => {
      const client = face.make({
        hooks: { beforeRequest: [() => ({ headers: {} }) as unknown as undefined] },
      });
      const sent = (await server.stats()).requests;
      await assert.rejects(
        async () => client.get(server.url('/echo')),
        (e: unknown) =>
          e instanceof InvalidArgumentError &&
          /beforeRequest hook returned an object that is not a request/.test(e.message) &&
          /\{ method, url, headers \}/.test(e.message),
      );
      assert.equal((await server.stats()).requests, sent, 'refused before anything was sent');
    });
  }

  test('async: an async hook is awaited', async () => {
    const client = FACES[0]!.make({
      hooks: {
        beforeRequest: [
          async (req) => {
            await new Promise((resolve) => setTimeout(resolve, 10));
            req.headers['x-async'] = 'awaited';
          },
        ],
      },
    });
    assert.equal(seenHeaders(await client.get(server.url('/echo')))['x-async'], 'awaited');
  });

  test('sync: a hook that returns a promise is refused with a clear error', () => {
    for (const name of ['beforeRequest', 'afterResponse'] as const) {
      const client = new SyncClient({ hooks: { [name]: [async () => undefined] } });
      assert.throws(
        () => client.get(server.url('/echo')),
        (e: unknown) =>
          e instanceof InvalidArgumentError && e.message.includes(`a ${name} hook returned a promise`),
      );
    }
  });
});
