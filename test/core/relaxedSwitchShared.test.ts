// setRelaxedSimd reaches every copy of the core in a process (src/core/kernels/wasmModule.ts keeps the switch on
// globalThis): a process that imports the ESM build and requires the CommonJS one holds two. Within one module
// system there is one: dist/index.cjs and dist/tfjs.cjs require the same chunk, as dist/index.js and dist/tfjs.js
// import one.
import { afterEach, describe, expect, it, vi } from 'vitest';

type Switch = typeof import('../../src/core/kernels/wasmModule.js');

async function freshCopy(): Promise<Switch> {
  vi.resetModules();
  return import('../../src/core/kernels/wasmModule.js');
}

describe('the relaxed-SIMD switch', () => {
  let restore: (() => void) | undefined;
  afterEach(() => restore?.());

  it('is one switch for two separately loaded copies of the kernel loader', async () => {
    const a = await freshCopy();
    const b = await freshCopy();
    expect(a).not.toBe(b); // two module instances, as two bundles would have
    const was = a.relaxedSimdEnabled();
    restore = () => a.setRelaxedSimdEnabled(was);
    a.setRelaxedSimdEnabled(!was);
    expect(b.relaxedSimdEnabled()).toBe(!was);
    b.setRelaxedSimdEnabled(was);
    expect(a.relaxedSimdEnabled()).toBe(was);
  });

  it('is one copy of the loader for the CommonJS index and tfjs entries, which reads the same switch', async () => {
    const { existsSync, readdirSync, readFileSync } = await import('node:fs');
    const { dirname, join } = await import('node:path');
    const { createRequire } = await import('node:module');
    const require = createRequire(import.meta.url);
    const index = require.resolve('../../dist/index.cjs');
    if (!existsSync(index)) return expect.fail('dist/ is not built: run npm run build');
    const dist = dirname(index);
    const tfjs = join(dist, 'tfjs.cjs');
    // The loader's text is in one CommonJS file of dist/, a chunk that both entries require.
    const withLoader = readdirSync(dist).filter(
      (f) => f.endsWith('.cjs') && readFileSync(join(dist, f), 'utf8').includes('segkit.relaxedSimd'),
    );
    expect(withLoader).toHaveLength(1);
    const [chunk] = withLoader;
    expect(chunk).toMatch(/^chunk-.*\.cjs$/);
    for (const entry of [index, tfjs]) expect(readFileSync(entry, 'utf8')).toContain(`require('./${chunk}')`);
    // Loaded in this process, both entries hold the one module object of that chunk.
    const segkit = require(index) as { setRelaxedSimd(on: boolean): boolean };
    require(tfjs);
    const loader = require.cache[join(dist, chunk)];
    expect(loader).toBeDefined();
    expect(require.cache[index]!.children).toContain(loader);
    expect(require.cache[tfjs]!.children).toContain(loader);
    const key = Symbol.for('segkit.relaxedSimd');
    const was = segkit.setRelaxedSimd(false);
    restore = () => segkit.setRelaxedSimd(was);
    expect((globalThis as Record<symbol, { on: boolean }>)[key].on).toBe(false);
  });
});
