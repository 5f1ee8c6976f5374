import { copyFileSync, readFileSync } from 'node:fs';
import { defineConfig } from 'tsup';
import { trimSourceMaps } from './scripts/trim-source-maps.mjs';

// Two packages from one source tree (src/ is shared; see README "Packages"):
// - `segkit` (this folder's package.json): the library, ESM + CJS + types, in dist/;
// - `@segkit/cli` (packages/cli/package.json): the `segkit` command, ESM, Node only, in packages/cli/dist/.
// tsup externalises only the root package.json's dependencies, so the CLI's own are listed here from its manifest.
const cli = JSON.parse(readFileSync('packages/cli/package.json', 'utf8')) as {
  dependencies: Record<string, string>;
};

export default defineConfig([
  {
    entry: { index: 'src/index.ts', tfjs: 'src/tfjs/index.ts', io: 'src/io/index.ts' },
    format: ['esm', 'cjs'],
    // One copy of the core per module system: dist/index.cjs and dist/tfjs.cjs require one shared chunk, as the
    // ESM entries import one, so a CommonJS process that loads both holds one copy of the core and of its
    // WebAssembly bytes. tsup makes CommonJS chunks from esbuild's ESM ones with rollup when `treeshake` is on (with
    // it off, it would run sucrase, which also rewrites `?.`, `??` and class fields into helper calls).
    splitting: true,
    treeshake: true,
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    outDir: 'dist',
    external: [/^@tensorflow\//],
    // The library has no runtime dependency: nifti-reader-js (ESM-only) and its inflate library fflate are
    // bundled into dist/io.*, so `npm install segkit` installs nothing else and require('segkit/io') works on
    // every Node 20 (require of ESM needs 20.19).
    noExternal: ['nifti-reader-js', 'fflate'],
    // The maps leave out the text of the generated *.bytes.ts modules (scripts/trim-source-maps.mjs).
    onSuccess: async () => {
      trimSourceMaps('dist');
    },
  },
  {
    // The piscina worker of `segkit eval` needs a file of its own beside main.js (src/cli/eval/pool.ts).
    // Splitting keeps the demo (the only part that needs TensorFlow.js) in a chunk that main.js imports
    // lazily, so `segkit eval` runs without the optional TensorFlow.js packages.
    entry: { main: 'src/cli/main.ts', 'eval-worker': 'src/cli/eval/worker.ts' },
    format: ['esm'],
    splitting: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    outDir: 'packages/cli/dist',
    external: [/^@tensorflow\//, ...Object.keys(cli.dependencies)],
    // The CLI bundles the library's code (the DeepMind surfel table too): its package carries the same licence
    // and notice, copied from the root (git-ignored copies; npm pack does not follow symbolic links).
    onSuccess: async () => {
      for (const file of ['LICENSE', 'NOTICE.md']) copyFileSync(file, `packages/cli/${file}`);
      trimSourceMaps('packages/cli/dist');
    },
  },
]);
