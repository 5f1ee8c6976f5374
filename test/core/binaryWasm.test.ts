/**
 * The binary WebAssembly kernels (src/core/kernels/binaryWasm.ts: sm's binaryCrossentropy and binaryFocalLoss,
 * focalLoss's sigmoid form from logits and from probabilities) against the JS kernels: seeded property tests
 * over random shapes (odd lengths, short tails, channel periods P = 1…3), options, presets and layouts; which
 * path ran; the input check inside the pass (the first offending index, on both paths, `checkInputs: false`
 * falling back to the JS numbers); `{ out }`; and the committed bytes in sync with scripts/wasm/binary.mjs.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  BINARY_OUTPUT,
  // @ts-expect-error: a plain .mjs build script without type declarations.
} from '../../scripts/build-wasm.mjs';
import { binaryBytesModule, buildBinaryKernels } from '../../scripts/wasm/binary.mjs';
import {
  binaryWasmAvailable,
  binaryWasmRuns,
  setBinaryWasmEnabled,
} from '../../src/core/kernels/binaryWasm.js';
import {
  binaryCrossentropy,
  binaryFocalLoss,
  focalLoss,
  softBCEWithLogitsLoss,
} from '../../src/core/losses/index.js';
import type { Loss } from '../../src/core/loss.js';
import { kernelBackend, type NdArray } from '../../src/index.js';
import { RELAXED_PROJECT } from '../helpers/relaxedWat.js';
import { forcedValueAndGrad, wasmAgree } from '../helpers/wasmAgree.js';

const SEED = 20261204;

afterAll(() => setBinaryWasmEnabled(true));

/** Value and gradient on one path; `runs` = calls that took the binary WebAssembly kernels. */
const on = forcedValueAndGrad(setBinaryWasmEnabled, binaryWasmRuns);

/** Runs both paths; checks which ran (`wasmRuns` calls on the kernels) and that they agree within the bound. */
function bothPaths(loss: Loss, gt: NdArray, pr: NdArray, wasmRuns = 1): void {
  const w = on(true, loss, gt, pr);
  const js = on(false, loss, gt, pr);
  expect(w.runs).toBe(wasmRuns);
  expect(js.runs).toBe(0);
  expect(wasmAgree(js, w)).toBeNull();
}

/** Channel counts whose channels-last period the kernels have (lcm(C, 4) ≤ 12). */
const PERIODIC_C = [1, 2, 3, 4, 6, 8, 12];

/**
 * Seeded inputs: logits spread over [−s, s] (s up to 120: σ saturates, e^−|x| underflows), probabilities
 * σ(logit) with some exact 0 and 1, binary or soft gt; any length (tails of every size).
 */
const inputs = fc
  .record({
    N: fc.integer({ min: 1, max: 3 }),
    H: fc.integer({ min: 1, max: 9 }),
    W: fc.integer({ min: 1, max: 11 }),
    C: fc.constantFrom(...PERIODIC_C),
    soft: fc.boolean(),
    channelsFirst: fc.boolean(),
    spread: fc.constantFrom(4, 16, 40, 240),
    seed: fc.integer({ min: 1, max: 2 ** 30 }),
  })
  .map(({ N, H, W, C, soft, channelsFirst, spread, seed }) => {
    let s = seed;
    const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
    const n = N * H * W * C;
    const logits = Float32Array.from({ length: n }, () => Math.fround((rnd() - 0.5) * spread));
    const pr = Float32Array.from(logits, (v) => 1 / (1 + Math.exp(-v)));
    for (let i = 0; i < n; i++) if (rnd() < 0.05) pr[i] = rnd() < 0.5 ? 0 : 1;
    const gt = Float32Array.from({ length: n }, () => (soft ? Math.fround(rnd()) : rnd() < 0.4 ? 1 : 0));
    const shape = channelsFirst ? [N, C, H, W] : [N, H, W, C];
    return { logits, pr, gt, shape, C, layout: channelsFirst ? 'channelsFirst' : 'channelsLast' } as const;
  });

const gammas = fc.constantFrom(2, 0, 0.5, 1, 3);

describe('the binary WebAssembly kernels agree with the JS kernels (float32 bound: 2e-6)', () => {
  it("kernelBackend('modules') reports them", () => {
    expect(binaryWasmAvailable()).toBe(true);
    // The relaxed-SIMD bytes in the vitest project 'relaxed' (Node with --experimental-wasm-relaxed-simd).
    expect(kernelBackend('modules').binary).toBe(RELAXED_PROJECT ? 'wasm-relaxed-simd' : 'wasm-simd');
  });

  it('binaryCrossentropy (sm BinaryCELoss), both layouts, every length', () => {
    fc.assert(
      fc.property(inputs, (x) => {
        const loss = binaryCrossentropy({ layout: x.layout });
        bothPaths(loss, { data: x.gt, shape: x.shape }, { data: x.pr, shape: x.shape });
      }),
      { seed: SEED, numRuns: 80 },
    );
  });

  it('binaryFocalLoss (sm BinaryFocalLoss), any γ ≥ 0 and α', () => {
    fc.assert(
      fc.property(inputs, gammas, fc.double({ min: 0, max: 1, noNaN: true }), (x, gamma, alpha) => {
        const loss = binaryFocalLoss({ gamma, alpha, layout: x.layout });
        bothPaths(loss, { data: x.gt, shape: x.shape }, { data: x.pr, shape: x.shape });
      }),
      { seed: SEED + 1, numRuns: 80 },
    );
  });

  const familyOptions = fc.record({
    preset: fc.constantFrom('monai' as const, 'smp' as const, 'segmentation_models' as const),
    gamma: gammas,
    alpha: fc.constantFrom(null, 0.25, 0.75),
    reduction: fc.constantFrom('mean' as const, 'sum' as const),
    includeBackground: fc.boolean(),
    weighted: fc.boolean(),
    subset: fc.boolean(),
  });

  for (const fromLogits of [true, false]) {
    it(`focalLoss sigmoid from ${fromLogits ? 'logits' : 'probabilities'}: presets, α, weights, selection, reductions`, () => {
      fc.assert(
        fc.property(inputs, familyOptions, (x, o) => {
          const { weighted, subset, ...rest } = o;
          const classIndexes = subset && x.C > 2 ? [x.C - 1, 1] : undefined;
          // The selected classes (channel 0 dropped without the background, unless C = 1).
          const all = classIndexes ?? Array.from({ length: x.C }, (_, c) => c);
          const K = all.filter((c) => o.includeBackground || x.C === 1 || c !== 0).length;
          const loss = focalLoss({
            ...rest,
            activation: 'sigmoid',
            fromLogits,
            layout: x.layout,
            classIndexes,
            ...(weighted ? { classWeights: Array.from({ length: K }, (_, k) => 0.5 + k) } : {}),
          });
          const data = fromLogits ? x.logits : x.pr;
          bothPaths(loss, { data: x.gt, shape: x.shape }, { data, shape: x.shape });
        }),
        { seed: SEED + (fromLogits ? 2 : 3), numRuns: 100 },
      );
    });
  }

  it('softBCEWithLogitsLoss (smp): smoothing, ignoreIndex, a number posWeight, reductions', () => {
    const options = fc.record({
      smoothFactor: fc.constantFrom(0, 0.1, 0.5),
      ignoreIndex: fc.constantFrom(null, -100, 0, 1),
      posWeight: fc.constantFrom(1, 0.25, 3),
      reduction: fc.constantFrom('mean' as const, 'sum' as const),
    });
    fc.assert(
      fc.property(inputs, options, (x, o) => {
        // Binary gt holds 0 and 1, so ignoreIndex 0 or 1 leaves some elements out.
        bothPaths(
          softBCEWithLogitsLoss(o),
          { data: x.gt, shape: x.shape },
          { data: x.logits, shape: x.shape },
        );
      }),
      { seed: SEED + 4, numRuns: 80 },
    );
    // A posWeight of one entry is a number; a posWeight per channel stays on the JS loop.
    const shape = [2, 3, 4, 5];
    const gt = Float32Array.from({ length: 120 }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const pr = Float32Array.from({ length: 120 }, (_, i) => Math.fround(Math.sin(i) * 4));
    const one = { data: [2], shape: [1] };
    const perChannel = { data: [1, 2, 3], shape: [3, 1, 1] };
    bothPaths(softBCEWithLogitsLoss({ posWeight: one }), { data: gt, shape }, { data: pr, shape });
    bothPaths(softBCEWithLogitsLoss({ posWeight: perChannel }), { data: gt, shape }, { data: pr, shape }, 0);
  });

  it('which sigmoid calls take the kernels: channels-last periods ≤ 12 elements, nothing ignored, no smp variants', () => {
    let s = 5;
    const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
    for (let C = 1; C <= 13; C++) {
      const shape = [2, 5, 7, C];
      const n = 70 * C;
      const logits = Float32Array.from({ length: n }, () => Math.fround((rnd() - 0.5) * 16));
      const gt = Float32Array.from({ length: n }, () => (rnd() < 0.3 ? 1 : 0));
      const loss = focalLoss({ preset: 'monai', layout: 'channelsLast' });
      bothPaths(loss, { data: gt, shape }, { data: logits, shape }, PERIODIC_C.includes(C) ? 1 : 0);
      // Channels-first: every C, one run per plane (or per block of planes with the same coefficients).
      const cf = [2, C, 5, 7];
      bothPaths(
        focalLoss({ preset: 'smp', activation: 'sigmoid' }),
        { data: gt, shape: cf },
        { data: logits, shape: cf },
      );
    }
    const shape = [2, 1, 9, 9];
    const logits = Float32Array.from({ length: 162 }, () => Math.fround((rnd() - 0.5) * 8));
    const gt = Float32Array.from({ length: 162 }, () => (rnd() < 0.5 ? 1 : 0));
    const g = { data: gt, shape };
    const p = { data: logits, shape };
    for (const o of [{ normalized: true }, { reducedThreshold: 0.5 }, { ignoreIndex: 1 }]) {
      bothPaths(focalLoss({ preset: 'smp', activation: 'sigmoid', ...o }), g, p, 0);
    }
    // float64 data stays on the JS kernels.
    const g64 = { data: Float64Array.from(gt), shape };
    bothPaths(focalLoss({ preset: 'smp', activation: 'sigmoid' }), g64, p, 0);
  });

  it('with { out }: the gradient is written into out, every element, the same numbers', () => {
    const shape = [2, 37, 41, 3];
    const n = 2 * 37 * 41 * 3;
    const logits = Float32Array.from({ length: n }, (_, i) => Math.fround(Math.sin(i) * 9));
    const pr = Float32Array.from(logits, (v) => 1 / (1 + Math.exp(-v)));
    const gt = Float32Array.from({ length: n }, (_, i) => (i % 5 < 2 ? 1 : 0));
    const cases: [Loss, Float32Array][] = [
      [binaryCrossentropy, pr],
      [binaryFocalLoss, pr],
      [focalLoss({ preset: 'monai', layout: 'channelsLast' }), logits],
      [
        focalLoss({ preset: 'smp', activation: 'sigmoid', layout: 'channelsLast', classIndexes: [2] }),
        logits,
      ],
      [softBCEWithLogitsLoss({ smoothFactor: 0.1, ignoreIndex: 1 }), logits],
    ];
    for (const [loss, data] of cases) {
      for (const wasm of [true, false]) {
        setBinaryWasmEnabled(wasm);
        try {
          const before = binaryWasmRuns();
          const plain = loss.valueAndGrad({ data: gt, shape }, { data, shape });
          const out = new Float32Array(n).fill(NaN);
          const r = loss.valueAndGrad({ data: gt, shape }, { data, shape }, { out });
          // Above the size threshold the kernels are the default path.
          expect(binaryWasmRuns() - before).toBe(wasm ? 2 : 0);
          expect(r.grad).toBe(out);
          expect(r.value).toBe(plain.value);
          expect(Array.from(out)).toEqual(Array.from(plain.grad));
          // No −0: a gradient that is zero is +0 (outside the clip range, a channel left out).
          expect(out.some((v) => Object.is(v, -0))).toBe(false);
        } finally {
          setBinaryWasmEnabled(true);
        }
      }
    }
  });

  it('exact 0 and 1 probabilities (clipped): finite loss, gradient +0 on both paths', () => {
    const shape = [1, 64, 64, 2];
    const n = 8192;
    const pr = Float32Array.from({ length: n }, (_, i) => [0, 1, 0.5, 1e-8][i % 4]);
    const gt = Float32Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 1 : 0));
    for (const loss of [binaryCrossentropy, binaryFocalLoss({ gamma: 0.5 })]) {
      for (const wasm of [true, false]) {
        const r = on(wasm, loss, { data: gt, shape }, { data: pr, shape });
        expect(r.runs).toBe(wasm ? 1 : 0);
        expect(Number.isFinite(r.value)).toBe(true);
        for (let i = 0; i < n; i++) if (i % 4 !== 2) expect(Object.is(r.grad[i], 0)).toBe(true);
      }
    }
  });
});

describe('the kernels’ gradient is the derivative of the kernels’ value (central differences on the WebAssembly path)', () => {
  // Perturbing one input changes one float32 term only (the others keep their bits), so the difference
  // quotient sees that term's rounding (≈ 1e-7 of it) against a change of h·∂: a 1e-3 tolerance has room.
  const shape = [2, 5, 7, 3];
  const n = 210;
  let s = 11;
  const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const logits = Float32Array.from({ length: n }, () => Math.fround((rnd() - 0.5) * 12));
  const probs = Float32Array.from({ length: n }, () => Math.fround(0.05 + 0.9 * rnd()));
  const gt = Float32Array.from({ length: n }, () => (rnd() < 0.4 ? 1 : rnd() < 0.2 ? Math.fround(rnd()) : 0));
  const cases: [string, Loss, Float32Array, number][] = [
    ['binaryCrossentropy', binaryCrossentropy, probs, 2 ** -12],
    ['binaryFocalLoss γ 2', binaryFocalLoss(), probs, 2 ** -12],
    ['binaryFocalLoss γ ½ α 0.6', binaryFocalLoss({ gamma: 0.5, alpha: 0.6 }), probs, 2 ** -12],
    [
      'focalLoss MONAI sigmoid, weights',
      focalLoss({ preset: 'monai', layout: 'channelsLast', classWeights: [1, 2, 0.5] }),
      logits,
      2 ** -9,
    ],
    [
      'focalLoss smp sigmoid γ 1.5, α',
      focalLoss({ preset: 'smp', activation: 'sigmoid', layout: 'channelsLast', gamma: 1.5, alpha: 0.3 }),
      logits,
      2 ** -9,
    ],
    [
      'focalLoss sigmoid from probabilities',
      focalLoss({ preset: 'monai', layout: 'channelsLast', fromLogits: false }),
      probs,
      2 ** -12,
    ],
    ['softBCEWithLogitsLoss', softBCEWithLogitsLoss({ smoothFactor: 0.1, posWeight: 2 }), logits, 2 ** -9],
  ];
  for (const [name, loss, x, h] of cases) {
    it(name, () => {
      setBinaryWasmEnabled(true, 0);
      try {
        const g = { data: gt, shape };
        const before = binaryWasmRuns();
        const { grad } = loss.valueAndGrad(g, { data: x, shape });
        let largest = 0;
        for (const v of grad) largest = Math.max(largest, Math.abs(v));
        for (let i = 0; i < n; i += 7) {
          const up = Float32Array.from(x);
          const down = Float32Array.from(x);
          up[i] = Math.fround(x[i] + h);
          down[i] = Math.fround(x[i] - h);
          const fd =
            (loss.value(g, { data: up, shape }) - loss.value(g, { data: down, shape })) / (up[i] - down[i]);
          expect(Math.abs(fd - grad[i]), `${name} at ${i}: ${fd} vs ${grad[i]}`).toBeLessThanOrEqual(
            1e-3 * largest,
          );
        }
        // Every call above ran on the kernels.
        expect(binaryWasmRuns() - before).toBe(1 + 2 * Math.ceil(n / 7));
      } finally {
        setBinaryWasmEnabled(true);
      }
    });
  }
});

describe('bad input is caught inside the pass: RangeError naming the function, argument, value and index', () => {
  const C = 3;
  const n = 2 * 64 * 80 * C + 6; // 30,726 elements: two full blocks and a short one with a tail of 6
  const shape = [1, n / C, 1, C];
  const base = () => {
    const pr = new Float32Array(n).fill(0.25);
    const gt = Float32Array.from({ length: n }, (_, i) => (i % C === 0 ? 1 : 0));
    return { pr, gt };
  };
  const losses: [string, Loss, 'probabilities' | 'logits'][] = [
    ['binaryCrossentropy', binaryCrossentropy, 'probabilities'],
    ['binaryFocalLoss', binaryFocalLoss({ gamma: 1.5 }), 'probabilities'],
    ['focalLoss', focalLoss({ preset: 'monai', layout: 'channelsLast' }), 'logits'],
    [
      'focalLoss',
      focalLoss({ preset: 'smp', activation: 'sigmoid', layout: 'channelsLast', fromLogits: false }),
      'probabilities',
    ],
  ];
  for (const [fn, loss, domain] of losses) {
    for (const wasm of [true, false]) {
      it(`${fn} ${domain} (${wasm ? 'WebAssembly' : 'JS'}): the first offending pr or gt, in any block and the tail`, () => {
        setBinaryWasmEnabled(wasm);
        try {
          const before = binaryWasmRuns();
          const { pr: p0, gt: g0 } = base();
          loss.valueAndGrad({ data: g0, shape }, { data: p0, shape });
          expect(binaryWasmRuns() - before).toBe(wasm ? 1 : 0);
          const what = domain === 'probabilities' ? 'probabilities in \\[0, 1\\]' : 'finite logits';
          const bad =
            domain === 'probabilities' ? [1.5, -0.25, NaN, Infinity] : [NaN, Infinity, -Infinity, NaN];
          for (const [k, v] of bad.entries()) {
            const at = [17, 20001, n - 2, n - 5][k];
            const { pr, gt } = base();
            pr[at] = v;
            if (at + 1 < n) pr[at + 1] = v; // a second offender: only the first is named
            const re = new RegExp(`^${fn}: pr must hold ${what}; got ${String(v)} at index ${at}\\.$`);
            expect(() => loss.valueAndGrad({ data: gt, shape }, { data: pr, shape })).toThrow(RangeError);
            expect(() => loss.value({ data: gt, shape }, { data: pr, shape })).toThrow(re);
          }
          for (const at of [30000, n - 1]) {
            const { pr, gt } = base();
            gt[at] = Infinity;
            expect(() => loss.value({ data: gt, shape }, { data: pr, shape })).toThrow(
              new RegExp(`^${fn}: gt must hold finite values; got Infinity at index ${at}\\.$`),
            );
          }
        } finally {
          setBinaryWasmEnabled(true);
        }
      });
    }
  }

  for (const wasm of [true, false]) {
    it(`softBCEWithLogitsLoss (${wasm ? 'WebAssembly' : 'JS'}): a flagged block hands over to the JS loop, which names the first offender`, () => {
      setBinaryWasmEnabled(wasm);
      try {
        const { gt } = base();
        const pr = new Float32Array(n).fill(0.5);
        const before = binaryWasmRuns();
        softBCEWithLogitsLoss.valueAndGrad({ data: gt, shape }, { data: pr, shape });
        expect(binaryWasmRuns() - before).toBe(wasm ? 1 : 0);
        pr[20001] = -Infinity;
        pr[20002] = NaN;
        expect(() => softBCEWithLogitsLoss.value({ data: gt, shape }, { data: pr, shape })).toThrow(
          /^softBCEWithLogitsLoss: pr must hold finite logits; got -Infinity at pr\.data\[20001\]\.$/,
        );
        pr[20001] = 0.5;
        pr[20002] = 0.5;
        gt[n - 1] = NaN;
        expect(() => softBCEWithLogitsLoss.value({ data: gt, shape }, { data: pr, shape })).toThrow(
          new RegExp(
            `^softBCEWithLogitsLoss: gt must hold finite numbers; got NaN at gt\\.data\\[${n - 1}\\]\\.$`,
          ),
        );
      } finally {
        setBinaryWasmEnabled(true);
      }
    });
  }

  it('checkInputs: false never throws; bad data gives the JS kernels’ numbers (NaN) on both settings', () => {
    const { pr, gt } = base();
    pr[20001] = NaN;
    const cases: Loss[] = [
      binaryCrossentropy({ checkInputs: false }),
      binaryFocalLoss({ checkInputs: false }),
      focalLoss({ preset: 'monai', layout: 'channelsLast', checkInputs: false }),
      softBCEWithLogitsLoss({ checkInputs: false }),
    ];
    for (const loss of cases) {
      const w = on(true, loss, { data: gt, shape }, { data: pr, shape });
      const js = on(false, loss, { data: gt, shape }, { data: pr, shape });
      // The kernels flagged the block and handed the call to the JS kernels.
      expect(w.runs).toBe(0);
      expect(Number.isNaN(js.value)).toBe(true);
      expect(Object.is(w.value, js.value)).toBe(true);
      expect(Array.from(w.grad)).toEqual(Array.from(js.grad));
    }
  });
});

describe('the committed binary WebAssembly bytes', () => {
  it('match scripts/wasm/binary.mjs (run npm run build:wasm after changing it)', async () => {
    const bytes = (await buildBinaryKernels()) as Uint8Array;
    expect(readFileSync(BINARY_OUTPUT as string, 'utf8')).toBe(binaryBytesModule(bytes));
  });
});
