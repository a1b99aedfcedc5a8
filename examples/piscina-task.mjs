// A piscina task: CPU work would go here; it calls an API with both faces. Every piscina worker
// reaches the process's one pool worker, so their calls share its connections and its limits.
import { threadId } from 'node:worker_threads';
import { http, httpSync } from 'onepool';

export default async function task({ url, n, cancel }) {
  try {
    const sync = httpSync.get(`${url}/items/${n}`, { cancel }).json();
    const more = await Promise.all([1, 2].map((i) => http.get(`${url}/items/${n}-${i}`, { cancel })));
    return { threadId, seen: [sync.url, ...more.map((r) => r.json().url)] };
  } catch (error) {
    // An error's class and code do not survive piscina's structured clone: send the code.
    return { threadId, error: error.code };
  }
}
