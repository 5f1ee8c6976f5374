/**
 * The reference vectors of the binary cross-entropy and focal losses through both kernels: every float32 case of
 * sm's BinaryCELoss and BinaryFocalLoss, MONAI's FocalLoss and DiceFocalLoss (sigmoid cases) and smp's
 * FocalLoss (binary / multilabel) and SoftBCEWithLogitsLoss, once with the binary WebAssembly kernels forced on for every size and once
 * with them off; the tests check which path ran.
 */
import { afterAll, describe, expect, it } from 'vitest';
import {
  binaryWasmAvailable,
  binaryWasmRuns,
  setBinaryWasmEnabled,
} from '../../src/core/kernels/binaryWasm.js';
import { f32, vectorMismatch as mismatch } from '../helpers/lossVectors.js';
import { forcedPath } from '../helpers/wasmAgree.js';
import { loadVectors } from '../helpers/vectors.js';
import { adaptMonai, adaptSmp } from '../family/adapters.js';
import { DECLINED } from '../family/declined.js';
import { SM_LOSSES, smOptions } from './smCases.js';

/** Runs `body` with the kernels forced on (every size) or off; returns how many calls took them. */
const withPath = forcedPath(setBinaryWasmEnabled, binaryWasmRuns);

afterAll(() => setBinaryWasmEnabled(true));

it('the binary kernels instantiate here (Node 20 has WebAssembly SIMD)', () => {
  expect(binaryWasmAvailable()).toBe(true);
});

describe.each(['BinaryCELoss', 'BinaryFocalLoss'])('sm %s vectors on both kernels', (name) => {
  const file = loadVectors('sm', name);
  const cases = file.cases.filter((c) => c.pr.dtype === 'float32' && c.expected.value !== undefined);
  for (const wasm of [true, false]) {
    it(`every float32 case matches sm with the WebAssembly kernels ${wasm ? 'on' : 'off'}`, () => {
      const failures: string[] = [];
      const missed: string[] = [];
      for (const c of cases) {
        const loss = SM_LOSSES[name](smOptions(c));
        const gt = f32({ data: c.gt.data, shape: c.gt.shape });
        const pr = f32({ data: c.pr.data, shape: c.pr.shape });
        const runs = withPath(wasm, () => {
          const m = mismatch(loss, gt, pr, c);
          if (m) failures.push(m);
        });
        // Every float32 case takes the kernels when they are on (one run over the whole tensor).
        if (runs !== (wasm ? 1 : 0)) missed.push(`${c.id}: ${runs} runs`);
      }
      expect(cases.length).toBeGreaterThan(10);
      expect(failures).toEqual([]);
      expect(missed).toEqual([]);
    });
  }
});

/**
 * How many cases take the kernels when they are on (pinned: the others are softmax cases, or ignore pixels, or
 * use smp's `normalized` / `reduced_threshold`, or have a channels-last period the kernels lack).
 */
const FAMILY_FILES: ['monai' | 'smp', string, number][] = [
  ['monai', 'FocalLoss', 12],
  ['monai', 'DiceFocalLoss', 17],
  ['smp', 'FocalLoss', 6],
  ['smp', 'SoftBCEWithLogitsLoss', 10],
];

describe.each(FAMILY_FILES)('%s %s vectors on both kernels', (folder, name, taking) => {
  const file = loadVectors(folder, name);
  for (const wasm of [true, false]) {
    it(`every float32 case that passes today passes with the WebAssembly kernels ${wasm ? 'on' : 'off'}`, () => {
      const failures: string[] = [];
      let checked = 0;
      let took = 0;
      for (const c of file.cases) {
        if (DECLINED[`${folder}/${c.id}`] || c.pr.dtype !== 'float32' || c.expected.error) continue;
        const a = folder === 'monai' ? adaptMonai(name, c) : adaptSmp(name, c);
        if (!('loss' in a) || a.none) continue;
        const gt = a.gt.data.length === a.pr.data.length ? f32(a.gt) : a.gt;
        const runs = withPath(wasm, () => {
          const m = mismatch(a.loss, gt, f32(a.pr), c);
          if (m) failures.push(m);
        });
        checked++;
        if (runs > 0) took++;
      }
      expect(checked).toBeGreaterThan(5);
      expect(failures).toEqual([]);
      if (wasm) expect(took).toBe(taking);
      else expect(took).toBe(0);
    });
  }
});
