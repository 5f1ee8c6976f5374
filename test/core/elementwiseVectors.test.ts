/**
 * The reference vectors of the cross-entropy and focal losses through both kernels: every float32 case of
 * sm's BinaryCELoss, CategoricalCELoss, BinaryFocalLoss, CategoricalFocalLoss and MONAI's FocalLoss /
 * DiceFocalLoss and smp's FocalLoss, once with the elementwise WebAssembly kernels forced on for every size
 * and once with them off; the tests check which path ran.
 */
import { afterAll, describe, expect, it } from 'vitest';
import {
  elementwiseWasmAvailable,
  elementwiseWasmRuns,
  setElementwiseWasmEnabled,
} from '../../src/core/kernels/elementwiseWasm.js';
import { f32, vectorMismatch as mismatch } from '../helpers/lossVectors.js';
import { forcedPath } from '../helpers/wasmAgree.js';
import { loadVectors } from '../helpers/vectors.js';
import { adaptMonai, adaptSmp } from '../family/adapters.js';
import { DECLINED } from '../family/declined.js';
import { SM_LOSSES, smOptions } from './smCases.js';

/** Runs `body` with the kernels forced on (every size) or off; returns how many calls took them. */
const withPath = forcedPath(setElementwiseWasmEnabled, elementwiseWasmRuns);

afterAll(() => setElementwiseWasmEnabled(true));

it('the elementwise kernels instantiate here (Node 20 has WebAssembly SIMD)', () => {
  expect(elementwiseWasmAvailable()).toBe(true);
});

/** sm files, and whether their losses have WebAssembly kernels. */
const SM_FILES: [string, boolean][] = [
  ['CategoricalCELoss', true],
  ['CategoricalFocalLoss', true],
  ['BinaryCELoss', false],
  ['BinaryFocalLoss', false],
];

describe.each(SM_FILES)('sm %s vectors on both kernels', (name, hasWasm) => {
  const file = loadVectors('sm', name);
  const cases = file.cases.filter((c) => c.pr.dtype === 'float32' && c.expected.value !== undefined);
  for (const wasm of [true, false]) {
    it(`every float32 case matches sm with the WebAssembly kernels ${wasm ? 'on' : 'off'}`, () => {
      const failures: string[] = [];
      const missed: string[] = [];
      let took = 0;
      for (const c of cases) {
        const loss = SM_LOSSES[name](smOptions(c));
        const gt = f32({ data: c.gt.data, shape: c.gt.shape });
        const pr = f32({ data: c.pr.data, shape: c.pr.shape });
        const runs = withPath(wasm, () => {
          const m = mismatch(loss, gt, pr, c);
          if (m) failures.push(m);
        });
        if (runs > 0) took++;
        // Every channel selected: the kernels' case (a subset of channels-last channels stays on JS).
        else if (wasm && hasWasm && c.options.class_indexes === undefined) missed.push(c.id);
      }
      expect(cases.length).toBeGreaterThan(10);
      expect(failures).toEqual([]);
      expect(missed).toEqual([]);
      if (wasm && hasWasm) expect(took).toBeGreaterThan(cases.length / 3);
      else expect(took).toBe(0);
    });
  }
});

/** Whether some case takes the kernels (true), none may (false), or either (undefined: sigmoid cases). */
const FAMILY_FILES: ['monai' | 'smp', string, boolean | undefined][] = [
  ['monai', 'FocalLoss', true],
  ['monai', 'DiceFocalLoss', undefined],
  ['smp', 'FocalLoss', false],
];

describe.each(FAMILY_FILES)('%s %s vectors on both kernels', (folder, name, hasWasm) => {
  const file = loadVectors(folder, name);
  for (const wasm of [true, false]) {
    it(`every float32 case that passes today passes with the WebAssembly kernels ${wasm ? 'on' : 'off'}`, () => {
      const failures: string[] = [];
      let checked = 0;
      const runs = withPath(wasm, () => {
        for (const c of file.cases) {
          if (DECLINED[`${folder}/${c.id}`] || c.pr.dtype !== 'float32' || c.expected.error) continue;
          const a = folder === 'monai' ? adaptMonai(name, c) : adaptSmp(name, c);
          if (!('loss' in a) || a.none) continue;
          const gt = a.gt.data.length === a.pr.data.length ? f32(a.gt) : a.gt;
          const m = mismatch(a.loss, gt, f32(a.pr), c);
          checked++;
          if (m) failures.push(m);
        }
      });
      expect(checked).toBeGreaterThan(5);
      expect(failures).toEqual([]);
      if (wasm && hasWasm) expect(runs).toBeGreaterThan(0);
      else if (!wasm || hasWasm === false) expect(runs).toBe(0);
    });
  }
});
