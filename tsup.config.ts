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
  },
  {
    entry: { 'cli/main': 'src/cli/main.ts' },
    format: ['esm'],
    sourcemap: true,
    target: 'node20',
    outDir: 'dist',
    external: [/^@tensorflow\//],
  },
]);
