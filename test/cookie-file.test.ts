/**
 * loadCookieJar / saveCookieJar: a jar kept in a file between runs, on both faces, in tough-cookie's
 * serialization, written atomically, with each cookie's origin binding kept.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { InvalidArgumentError, loadCookieJar, type Response, saveCookieJar } from 'onepool';
import { CookieJar } from 'tough-cookie';
import { FACES } from './helpers/face-kinds.ts';
import { startServer, type TestServer } from './helpers/servers.ts';

let server: TestServer;
let otherPort: TestServer;
before(async () => {
  [server, otherPort] = await Promise.all([startServer('http'), startServer('http')]);
});
after(() => Promise.all([server, otherPort].map((s) => s.close())));

const cookieAt = (res: Response) => res.json<{ headers: Record<string, string> }>().headers.cookie;
const setting = (line: string) => server.url(`/set-cookie?c=${encodeURIComponent(line)}`);

for (const face of FACES) {
  test(`${face.name}: a jar saved with saveCookieJar and loaded with loadCookieJar keeps its cookies and their origin`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'onepool-jarfile-'));
    const file = join(dir, 'jar.json');
    const fresh = loadCookieJar(file); // no file yet: an empty jar
    assert.equal(fresh.getCookiesSync(server.url('/')).length, 0);
    const first = face.make({ cookies: fresh });
    await first.get(setting('session=abc; Path=/'));
    await first.get(setting('kept=1; Path=/; Max-Age=3600'));
    saveCookieJar(first.cookies!, file);

    assert.deepEqual(readdirSync(dir), ['jar.json'], 'no temporary file left behind');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    // tough-cookie's own format: its deserializer reads the file as it is.
    assert.equal(
      CookieJar.deserializeSync(readFileSync(file, 'utf8')).getCookiesSync(server.url('/')).length,
      2,
    );

    const restarted = face.make({ cookies: loadCookieJar(file) });
    assert.equal(cookieAt(await restarted.get(server.url('/echo'))), 'session=abc; kept=1');
    // The origin binding came back with the cookies: another port of the same host gets none.
    assert.equal(cookieAt(await restarted.get(otherPort.url('/echo'))), undefined);
  });

  test(`${face.name}: loadCookieJar refuses a file that is not a saved jar`, () => {
    const file = join(mkdtempSync(join(tmpdir(), 'onepool-jarfile-')), 'jar.json');
    writeFileSync(file, 'not json');
    assert.throws(() => face.make({ cookies: loadCookieJar(file) }), InvalidArgumentError);
  });
}
