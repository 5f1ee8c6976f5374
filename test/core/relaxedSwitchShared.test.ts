// setRelaxedSimd reaches every copy of the core in a process: the CommonJS builds dist/index.cjs and
// dist/tfjs.cjs each bundle one (src/core/kernels/wasmModule.ts keeps the switch on globalThis).
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

  it('reaches the CommonJS tfjs bundle from the CommonJS index bundle', async () => {
    const { existsSync } = await import('node:fs');
    const { createRequire } = await import('node:module');
    const require = createRequire(import.meta.url);
    const index = require.resolve('../../dist/index.cjs');
    if (!existsSync(index)) return expect.fail('dist/ is not built: run npm run build');
    const segkit = require(index) as { setRelaxedSimd(on: boolean): boolean };
    const key = Symbol.for('segkit.relaxedSimd');
    const was = segkit.setRelaxedSimd(false);
    restore = () => segkit.setRelaxedSimd(was);
    expect((globalThis as Record<symbol, { on: boolean }>)[key].on).toBe(false);
    // dist/tfjs.cjs carries its own copy of the loader; it reads the same record.
    const src = (await import('node:fs')).readFileSync(require.resolve('../../dist/tfjs.cjs'), 'utf8');
    expect(src).toContain('segkit.relaxedSimd');
  });
});
