/**
 * The final progress report says 100 % once: a body whose last chunk completes a known total was
 * reported at 100 % twice (the chunk's report, then the final one).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Progress } from 'onepool';
import { FACES } from './helpers/face-kinds.ts';
import { startServer, type TestServer } from './helpers/servers.ts';

let server: TestServer;
before(async () => {
  server = await startServer('http');
});
after(() => server.close());

const hundreds = (events: Progress[]) => events.filter((p) => p.percent === 100).length;

describe('the final progress report', () => {
  for (const face of FACES) {
    test(`${face.name}: one report at 100 % for downloads (buffered and streamed) and uploads`, async () => {
      const client = face.make();
      for (const size of [100, 300_000]) {
        const buffered: Progress[] = [];
        await client.get(server.url(`/bytes/${size}`), { onDownloadProgress: (p) => buffered.push(p) });
        assert.equal(hundreds(buffered), 1, `buffered ${size}: ${JSON.stringify(buffered)}`);
        assert.deepEqual(buffered.at(-1), { transferred: size, total: size, percent: 100 });

        const streamed: Progress[] = [];
        const res = await client.stream('GET', server.url(`/bytes/${size}`), {
          onDownloadProgress: (p) => streamed.push(p),
        });
        assert.equal((await res.bytes()).byteLength, size);
        assert.equal(hundreds(streamed), 1, `streamed ${size}: ${JSON.stringify(streamed)}`);
        assert.deepEqual(streamed.at(-1), { transferred: size, total: size, percent: 100 });

        const uploaded: Progress[] = [];
        await client.post(server.url('/upload-sha'), {
          body: new Uint8Array(size),
          onUploadProgress: (p) => uploaded.push(p),
        });
        assert.equal(hundreds(uploaded), 1, `upload ${size}: ${JSON.stringify(uploaded)}`);
        assert.deepEqual(uploaded.at(-1), { transferred: size, total: size, percent: 100 });
      }
    });
  }
});
