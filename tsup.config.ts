import { defineConfig } from 'tsup';

// Four entries: the public face, onepool's test hooks (`onepool/internal`, a separate copy that
// reaches the same worker through the thread's shared record), the pool worker that the face
// spawns at run time, and the `onepool` command. The worker is
// ESM only; the CJS build of the face resolves it relative to itself (tsup's shim turns
// import.meta.url into the CJS file's URL), so both builds start the same worker file.
export default defineConfig([
  {
    entry: { index: 'src/index.ts', internal: 'src/internal.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    shims: true,
    target: 'node20',
    platform: 'node',
    sourcemap: true,
    clean: true,
    splitting: false,
  },
  {
    entry: { 'pool-worker': 'src/pool-worker/worker.ts' },
    format: ['esm'],
    target: 'node20',
    platform: 'node',
    sourcemap: true,
    splitting: false,
  },
  {
    // The `onepool` command (package.json `bin`): ESM, with the library bundled in; it starts the
    // same dist/pool-worker.js, which sits next to it.
    entry: { cli: 'src/cli/main.ts' },
    format: ['esm'],
    target: 'node20',
    platform: 'node',
    sourcemap: true,
    splitting: false,
    banner: { js: '#!/usr/bin/env node' },
  },
]);
