import { defineConfig } from 'tsup';

// The library (ESM + CJS + types) and the command line (ESM, Node only).
export default defineConfig([
  {
    entry: { index: 'src/index.ts', tfjs: 'src/tfjs/index.ts', io: 'src/io/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    outDir: 'dist',
    external: [/^@tensorflow\//],
    // nifti-reader-js, fast-png and iobuffer are ESM-only: bundle them so that require('segkit/io') works on
    // every Node 20 (require of ESM needs 20.19).
    noExternal: ['nifti-reader-js', 'fast-png', 'iobuffer'],
  },
  {
    // The piscina worker of `segkit eval` needs a file of its own beside main.js (src/cli/eval/pool.ts).
    // Splitting keeps the demo (the only part that needs TensorFlow.js) in a chunk that main.js imports
    // lazily, so `segkit eval` runs without the optional TensorFlow.js packages.
    entry: { 'cli/main': 'src/cli/main.ts', 'cli/eval-worker': 'src/cli/eval/worker.ts' },
    format: ['esm'],
    splitting: true,
    sourcemap: true,
    target: 'node20',
    outDir: 'dist',
    external: [/^@tensorflow\//],
  },
]);
