/**
 * The module lifecycle that the four WebAssembly drivers share (src/core/kernels/wasmModule.ts): LazyKernels
 * (instantiate once per key and relaxed setting, the on/off switch, the size threshold) against a model of it
 * (fast-check, seeded), ModuleMemory (views made again after the memory grows, nothing changed when it cannot
 * grow) on a real WebAssembly.Memory, and the softmax-region driver's modules, one per C, instantiated once.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import {
  setSoftmaxWasmEnabled,
  SOFTMAX_MAX_C,
  softmaxWasmAvailable,
} from '../../src/core/kernels/softmaxRegion.js';
import { regionWasmAvailable, setRegionWasmEnabled } from '../../src/core/kernels/regionWasm.js';
import {
  LazyKernels,
  ModuleMemory,
  relaxedInstantiations,
  relaxedSimdEnabled,
  setRelaxedSimdEnabled,
} from '../../src/core/kernels/wasmModule.js';

const SEED = 20261204;
const relaxedAtStart = relaxedSimdEnabled();

afterEach(() => {
  setRelaxedSimdEnabled(relaxedAtStart);
  setSoftmaxWasmEnabled(true);
  setRegionWasmEnabled(true);
});

/** A LazyKernels whose modules are `{ key, n }` objects (n: the how-manieth make call), null for keys ≥ `bad`. */
function counted(options?: { relaxed?: boolean }, bad = Infinity) {
  const made: number[] = [];
  const lazy = new LazyKernels(
    (key) => {
      made.push(key);
      return key >= bad ? null : { key, n: made.length };
    },
    8192,
    options,
  );
  return { lazy, made };
}

describe('LazyKernels', () => {
  it('instantiates a key on first use only, and remembers a module that cannot be instantiated (null)', () => {
    const { lazy, made } = counted({}, 5);
    const a = lazy.get(3);
    expect(a).toEqual({ key: 3, n: 1 });
    expect(lazy.get(3)).toBe(a);
    expect(lazy.get()).toEqual({ key: 0, n: 2 });
    expect(lazy.get(7)).toBeNull();
    expect(lazy.get(7)).toBeNull();
    expect(made).toEqual([3, 0, 7]);
  });

  it('turned off: returns null and instantiates nothing; back on: the same instances; set() restores the default threshold', () => {
    const { lazy, made } = counted();
    expect(lazy.minElements).toBe(8192);
    const a = lazy.get(2);
    lazy.set(false);
    expect(lazy.get(2)).toBeNull();
    expect(lazy.get(4)).toBeNull();
    expect(made).toEqual([2]);
    lazy.set(true, 100);
    expect(lazy.minElements).toBe(100);
    expect(lazy.get(2)).toBe(a);
    lazy.set(true);
    expect(lazy.minElements).toBe(8192);
  });

  it('keeps one instance per relaxed setting for modules with a relaxed variant, one for both without', () => {
    const withRelaxed = counted();
    const without = counted({ relaxed: false });
    setRelaxedSimdEnabled(false);
    const off = withRelaxed.lazy.get(1);
    const single = without.lazy.get(1);
    setRelaxedSimdEnabled(true);
    const on = withRelaxed.lazy.get(1);
    expect(on).not.toBe(off);
    expect(without.lazy.get(1)).toBe(single);
    setRelaxedSimdEnabled(false);
    expect(withRelaxed.lazy.get(1)).toBe(off);
    expect(withRelaxed.made).toEqual([1, 1]);
    expect(without.made).toEqual([1]);
  });

  it('behaves as its model over any sequence of get / switch / set (make called once per (setting, key) used)', () => {
    type Op = { op: 'get'; key: number } | { op: 'relaxed'; on: boolean } | { op: 'set'; on: boolean };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ op: fc.constant('get' as const), key: fc.integer({ min: 0, max: 8 }) }),
      fc.record({ op: fc.constant('relaxed' as const), on: fc.boolean() }),
      fc.record({ op: fc.constant('set' as const), on: fc.boolean() }),
    );
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.integer({ min: 0, max: 9 }),
        fc.array(op, { maxLength: 60 }),
        (relaxed, bad, ops) => {
          const { lazy, made } = counted({ relaxed }, bad);
          const model = new Map<string, object | null>();
          let enabled = true;
          let relaxedOn = relaxedSimdEnabled();
          for (const o of ops) {
            if (o.op === 'relaxed') setRelaxedSimdEnabled((relaxedOn = o.on));
            else if (o.op === 'set') lazy.set((enabled = o.on));
            else {
              const got = lazy.get(o.key);
              if (!enabled) {
                expect(got).toBeNull();
                continue;
              }
              const slot = `${relaxed && relaxedOn ? 1 : 0}:${o.key}`;
              if (!model.has(slot)) model.set(slot, got);
              expect(got).toBe(model.get(slot));
              expect(got === null).toBe(o.key >= bad);
            }
          }
          expect(made.length).toBe(model.size);
        },
      ),
      { seed: SEED, numRuns: 200 },
    );
  });
});

describe('ModuleMemory', () => {
  const PAGE = 65536;

  it('grows by whole pages to what is asked, makes the views again and keeps the contents', () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 4 });
    let made = 0;
    const mem = new ModuleMemory(memory, (b) => {
      made++;
      return { all: new Float32Array(b), head: new Float64Array(b, 8, 2) };
    });
    mem.views.head[1] = 0.1;
    const before = mem.views;
    expect(mem.reserve(PAGE)).toBe(true);
    expect(mem.views).toBe(before);
    expect(made).toBe(1);
    expect(mem.reserve(PAGE + 1)).toBe(true);
    expect(memory.buffer.byteLength).toBe(2 * PAGE);
    expect(before.all.length).toBe(0); // detached by the growth
    expect(mem.views.all.length).toBe((2 * PAGE) / 4);
    expect(mem.views.head[1]).toBe(0.1);
    expect(mem.reserve(3 * PAGE + 1)).toBe(true);
    expect(memory.buffer.byteLength).toBe(4 * PAGE);
    expect(made).toBe(3);
  });

  it('returns false when the memory cannot grow, and leaves the memory and the views as they were', () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 2 });
    const mem = new ModuleMemory(memory, (b) => new Uint8Array(b));
    const views = mem.views;
    expect(mem.reserve(2 * PAGE + 1)).toBe(false);
    expect(memory.buffer.byteLength).toBe(PAGE);
    expect(mem.views).toBe(views);
    expect(views.length).toBe(PAGE);
  });
});

describe('the drivers on LazyKernels', () => {
  it('softmax region: one module per C ∈ [2, 8], instantiated once; none beyond; none when turned off', () => {
    for (let C = 2; C <= SOFTMAX_MAX_C; C++) expect(softmaxWasmAvailable(C)).toBe(true);
    const n = relaxedInstantiations();
    for (let C = 2; C <= SOFTMAX_MAX_C; C++) expect(softmaxWasmAvailable(C)).toBe(true);
    expect(relaxedInstantiations()).toEqual(n);
    expect(softmaxWasmAvailable(1)).toBe(false);
    expect(softmaxWasmAvailable(SOFTMAX_MAX_C + 1)).toBe(false);
    expect(relaxedInstantiations()).toEqual(n);
    setSoftmaxWasmEnabled(false);
    expect(softmaxWasmAvailable(4)).toBe(false);
  });

  it('region: available, and off when turned off', () => {
    expect(regionWasmAvailable()).toBe(true);
    setRegionWasmEnabled(false);
    expect(regionWasmAvailable()).toBe(false);
    setRegionWasmEnabled(true);
    expect(regionWasmAvailable()).toBe(true);
  });
});
