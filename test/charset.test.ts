/**
 * Response.text() decodes with the Content-Type charset (WHATWG labels), a BOM overriding it, and
 * UTF-8 without one; json() reads UTF-8 whatever the label, as fetch does.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FACES } from './helpers/face-kinds.ts';
import { startServer, type TestServer } from './helpers/servers.ts';

let server: TestServer;
before(async () => {
  server = await startServer('http');
});
after(() => server.close());

const raw = (type: string, hex: string) => server.url(`/raw?type=${encodeURIComponent(type)}&hex=${hex}`);

const cases: { name: string; type: string; hex: string; text: string }[] = [
  { name: 'iso-8859-1', type: 'text/plain; charset=iso-8859-1', hex: '636166e9', text: 'café' },
  // WHATWG maps latin1 to windows-1252: 0x80 is the euro sign, as in browsers
  { name: 'quoted latin1', type: 'text/plain; charset="latin1"', hex: '809f81', text: '€Ÿ\x81' },
  { name: 'upper-case label', type: 'text/html;CHARSET=Windows-1252', hex: '636166e9', text: 'café' },
  { name: 'shift_jis', type: 'text/plain; charset=shift_jis', hex: '93fa967b', text: '日本' },
  { name: 'no charset: UTF-8', type: 'text/plain', hex: '636166c3a9', text: 'café' },
  { name: 'unknown label: UTF-8', type: 'text/plain; charset=x-nonsense', hex: '636166c3a9', text: 'café' },
  {
    name: 'UTF-8 BOM over a latin1 label',
    type: 'text/plain; charset=iso-8859-1',
    hex: 'efbbbf636166c3a9',
    text: 'café',
  },
  { name: 'UTF-16LE BOM over no label', type: 'text/plain', hex: 'fffe63006100', text: 'ca' },
  {
    name: 'UTF-16BE BOM over a UTF-8 label',
    type: 'text/plain; charset=utf-8',
    hex: 'feff00630061',
    text: 'ca',
  },
  {
    name: 'invalid UTF-8 becomes U+FFFD',
    type: 'text/plain; charset=utf-8',
    hex: '636166e9',
    text: 'caf\uFFFD',
  },
];

describe('text() and the charset', () => {
  for (const face of FACES) {
    for (const c of cases) {
      test(`${face.name}: ${c.name}`, async () => {
        const res = await face.make().get(raw(c.type, c.hex));
        assert.equal(res.text(), c.text);
      });
    }

    test(`${face.name}: json() reads UTF-8 (BOM dropped) whatever the label says`, async () => {
      const body = Buffer.from('\uFEFF{"name":"café"}', 'utf8').toString('hex');
      const res = await face.make().get(raw('application/json; charset=iso-8859-1', body));
      assert.deepEqual(res.json(), { name: 'café' });
    });
  }
});
