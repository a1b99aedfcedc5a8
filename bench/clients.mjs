// One adapter per HTTP client, all with the same shape: { name, sync, get(url) } where get() reads the whole
// body and returns its byte length (a Promise of it for async clients, the number itself for sync ones), so
// the runner can time each request the same way and check that every body arrived complete.
// Each client is set up the way a performance-aware user would: keep-alive on, one shared agent/dispatcher.
import http from 'node:http';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import axios from 'axios';
import got from 'got';
import { Agent, request } from 'undici';

const require = createRequire(import.meta.url);

function check(status, n) {
  if (status !== 200) throw new Error(`HTTP ${status}`);
  return n;
}

// onepool is loaded from a build (ONEPOOL_DIST); when it is missing, its rows report the import error.
export async function loadOnepool(distPath) {
  try {
    return { mod: await import(pathToFileURL(distPath).href) };
  } catch (e) {
    return { error: `onepool not loaded from ${distPath}: ${e.code || e.message}` };
  }
}

export function onepoolSync(op, opts) {
  return {
    name: 'onepool httpSync',
    sync: true,
    get: (url) => {
      const r = op.httpSync.get(url, opts);
      return check(r.status, r.bytes().length);
    },
  };
}

// The sync face with several requests in flight from one blocking call: httpSync.all of `batch` GETs.
export function onepoolSyncAll(op, opts, batch) {
  return {
    name: 'onepool httpSync.all',
    sync: true,
    batch,
    get: (url) => {
      const items = Array.from({ length: batch }, () => ({ url, ...opts }));
      let n = 0;
      for (const r of op.httpSync.all(items, { concurrency: batch })) {
        if (!r.ok) throw r.error;
        n += check(r.response.status, r.response.bytes().length);
      }
      return n;
    },
  };
}

export function onepoolAsync(op, opts) {
  return {
    name: 'onepool http',
    get: async (url) => {
      const r = await op.http.get(url, opts);
      return check(r.status, r.bytes().length);
    },
  };
}

// undici's request() on the caller's own thread: the baseline every ratio is computed against.
export function undiciDirect(agentOpts = {}, name = 'undici direct') {
  const dispatcher = new Agent(agentOpts); // undici's defaults: keep-alive, 4 s idle timeout
  return {
    name,
    get: async (url) => {
      const { statusCode, body } = await request(url, { dispatcher });
      return check(statusCode, (await body.arrayBuffer()).byteLength);
    },
    close: () => dispatcher.close(),
  };
}

export function globalFetch() {
  return {
    name: 'fetch (global)',
    get: async (url) => {
      const r = await fetch(url);
      return check(r.status, (await r.arrayBuffer()).byteLength);
    },
  };
}

export function nodeHttp() {
  const agent = new http.Agent({ keepAlive: true });
  return {
    name: 'node:http + keep-alive Agent',
    get: (url) =>
      new Promise((resolve, reject) => {
        http
          .get(url, { agent }, (res) => {
            let n = 0;
            res.on('data', (d) => {
              n += d.length;
            });
            res.on('end', () => {
              try {
                resolve(check(res.statusCode, n));
              } catch (e) {
                reject(e);
              }
            });
            res.on('error', reject);
          })
          .on('error', reject);
      }),
    close: () => agent.destroy(),
  };
}

export function axiosClient() {
  const httpAgent = new http.Agent({ keepAlive: true });
  const ax = axios.create({ httpAgent, responseType: 'arraybuffer', validateStatus: null });
  return {
    name: 'axios + keep-alive Agent',
    get: async (url) => {
      const r = await ax.get(url);
      return check(r.status, r.data.length);
    },
    close: () => httpAgent.destroy(),
  };
}

export function gotClient() {
  const agent = new http.Agent({ keepAlive: true });
  const g = got.extend({
    agent: { http: agent },
    responseType: 'buffer',
    retry: { limit: 0 },
    throwHttpErrors: false,
  });
  return {
    name: 'got',
    get: async (url) => {
      const r = await g.get(url);
      return check(r.statusCode, r.body.length);
    },
    close: () => agent.destroy(),
  };
}

// The two classic sync clients: each request goes through another process (sync-rpc server / a fresh node).
export function syncRequest() {
  const req = require('sync-request');
  return {
    name: 'sync-request',
    sync: true,
    get: (url) => {
      const r = req('GET', url);
      return check(r.statusCode, r.getBody().length);
    },
  };
}

export function syncFetch() {
  const sf = require('sync-fetch');
  return {
    name: 'sync-fetch',
    sync: true,
    get: (url) => {
      const r = sf(url);
      return check(r.status, r.arrayBuffer().byteLength);
    },
  };
}
