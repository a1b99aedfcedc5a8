// npm run demo: sync and async calls, interleaved, sharing one pool: one TCP connection serves them all.
// (Concurrent async calls would open more connections on HTTP/1.1; the calls here are sequential.)
import { fork } from 'node:child_process';
import { http, httpSync } from 'onepool';

const server = fork(new URL('./demo-server.mjs', import.meta.url));
const port = await new Promise((resolve) => server.once('message', resolve));
const base = `http://127.0.0.1:${port}`;

const show = (face, r) =>
  console.log(
    `${face.padEnd(5)} ${r.json().method.padEnd(6)} ${r.status}  connection #${r.connection.id}` +
      `${r.connection.reused ? ' (reused)' : ' (new)   '}  server has seen ${r.json().connections} connection(s)`,
  );

show('sync', httpSync.get(`${base}/items`, { params: { q: 'first' } }));
show('async', await http.get(`${base}/items`));
show('sync', httpSync.post(`${base}/items`, { json: { name: 'widget' } }));
show('async', await http.put(`${base}/items/1`, { form: { name: 'gadget' } }));
show('sync', httpSync.delete(`${base}/items/1`));

console.log('\npool stats (sync face): ', httpSync.pool.describe());
console.log('pool stats (async face):', await http.pool.describe());
const totals = httpSync.pool.stats().totals;
console.log(
  `\n${totals.exchanges} exchanges, ${totals.opened} connection(s) opened, ${totals.reused} reused.`,
);
server.kill();
