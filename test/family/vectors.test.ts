/**
 * Reference vectors of MONAI 1.5 and smp 0.5 losses (test/vectors/{monai,smp}), mapped onto segkit's
 * options by ./adapters.ts. Every case passes or is declined with a listed reason (DECLINED below).
 */
import { describe, expect, it } from 'vitest';
import { close, gradMismatch, loadVectors, num, nums, vectorFileNames } from '../helpers/vectors.js';
import { adaptMonai, adaptSmp, type Adapted } from './adapters.js';
import { DECLINED } from './declined.js';
import {
  regionSigmoidRuns,
  regionSquaredRuns,
  regionWasmRuns,
  setRegionWasmEnabled,
} from '../../src/core/kernels/regionWasm.js';

function flat(x: unknown): number[] {
  return Array.isArray(x) ? x.flatMap(flat) : [num(x)];
}

function check(c: ReturnType<typeof loadVectors>['cases'][number], a: Adapted): string | null {
  if ('declined' in a) return `declined: ${a.declined}`;
  const e = c.expected;
  if ('broadcast' in a) {
    const want = flat(nums(e.value));
    const got = a.broadcast();
    if (got.length !== want.length) return `length ${got.length} ≠ ${want.length}`;
    for (let i = 0; i < want.length; i++) if (!close(got[i], want[i])) return `[${i}] ${got[i]} ≠ ${want[i]}`;
    return null;
  }
  if (e.error) {
    try {
      a.loss.value(a.gt, a.pr);
    } catch {
      return null;
    }
    return `expected an error (${e.error}: ${e.message})`;
  }
  if (a.none) {
    const want = flat(nums(e.value));
    const got =
      a.none === 'terms' ? a.loss.terms!(a.gt, a.pr).flat() : Array.from(a.loss.elements!(a.gt, a.pr));
    if (got.length !== want.length) return `terms length ${got.length} ≠ ${want.length}`;
    for (let i = 0; i < want.length; i++) {
      if (!close(got[i], want[i])) return `terms[${i}] ${got[i]} ≠ ${want[i]}`;
    }
    return null;
  }
  const want = num(e.value);
  if (e.grad_pr) {
    const r = a.loss.valueAndGrad(a.gt, a.pr);
    if (!close(r.value, want)) return `value ${r.value} ≠ ${want}`;
    let g = e.grad_pr.map(num);
    let got: ArrayLike<number> = r.grad;
    if (a.gradWhere) {
      const keep = a.gradWhere;
      g = g.filter((_, i) => keep[i]);
      got = Array.from(r.grad).filter((_, i) => keep[i]);
    }
    const bad = gradMismatch(got, g);
    if (bad >= 0) return `grad[${bad}] ${got[bad]} ≠ ${g[bad]}`;
    return null;
  }
  const v = a.loss.value(a.gt, a.pr);
  return close(v, want) ? null : `value ${v} ≠ ${want}`;
}

const FILES: ['monai' | 'smp', string][] = [
  ['monai', 'DiceLoss'],
  ['monai', 'GeneralizedDiceLoss'],
  ['monai', 'TverskyLoss'],
  ['monai', 'FocalLoss'],
  ['monai', 'DiceCELoss'],
  ['monai', 'DiceFocalLoss'],
  ['monai', 'MaskedDiceLoss'],
  ['monai', 'GeneralizedDiceFocalLoss'],
  ['smp', 'DiceLoss'],
  ['smp', 'JaccardLoss'],
  ['smp', 'TverskyLoss'],
  ['smp', 'FocalLoss'],
  ['smp', 'MCCLoss'],
  ['smp', 'SoftCrossEntropyLoss'],
  ['smp', 'SoftBCEWithLogitsLoss'],
  ['smp', 'LovaszLoss'],
];

describe.each(FILES)('%s/%s reference vectors', (folder, name) => {
  const file = loadVectors(folder, name);
  it(`passes every case except the declined ones (${file.case_count} cases)`, () => {
    const failures: string[] = [];
    let passed = 0;
    let declined = 0;
    const declinedIds: string[] = [];
    for (const c of file.cases) {
      const reason = DECLINED[`${folder}/${c.id}`];
      if (reason) {
        declined++;
        declinedIds.push(`${c.id}: ${reason}`);
        continue;
      }
      let msg: string | null;
      try {
        const a = folder === 'monai' ? adaptMonai(name, c) : adaptSmp(name, c);
        if ('declined' in a) {
          declined++;
          declinedIds.push(`${c.id}: ${a.declined}`);
          continue;
        }
        msg = check(c, a);
      } catch (err) {
        msg = `threw ${(err as Error).message}`;
      }
      if (msg === null) passed++;
      else failures.push(`${c.id}: ${msg}  ${JSON.stringify(c.options)}`);
    }
    console.log(
      `${folder}/${name}: ${passed} passed, ${declined} declined, ${failures.length} failed of ${file.case_count}`,
    );
    if (process.env.SEGKIT_LIST_DECLINED) for (const d of declinedIds) console.log(`  declined ${d}`);
    expect(failures).toEqual([]);
  });
});

/**
 * The sigmoid cases again with float32 logits, the input of the dense stage's sigmoid path (denseStats.ts):
 * every case that runs that path (its run counter moves) passes with the same tolerances.
 */
describe.each(FILES.filter(([, n]) => /Dice|Tversky|Jaccard/.test(n) && n !== 'MaskedDiceLoss'))(
  '%s/%s reference vectors from float32 logits with a sigmoid',
  (folder, name) => {
    it('pass on the sigmoid stage of the dense path', () => {
      const file = loadVectors(folder, name);
      const failures: string[] = [];
      let staged = 0;
      for (const c of file.cases) {
        if (DECLINED[`${folder}/${c.id}`]) continue;
        const a = folder === 'monai' ? adaptMonai(name, c) : adaptSmp(name, c);
        if ('declined' in a || 'broadcast' in a || !('pr' in a)) continue;
        const pr = { data: Float32Array.from(a.pr.data), shape: a.pr.shape };
        const before = regionSigmoidRuns();
        let msg: string | null;
        try {
          msg = check(c, { ...a, pr });
        } catch (err) {
          msg = `threw ${(err as Error).message}`;
        }
        const after = regionSigmoidRuns();
        if (after.js + after.wasm === before.js + before.wasm) continue;
        staged++;
        if (msg !== null) failures.push(`${c.id}: ${msg}`);
      }
      console.log(`${folder}/${name}: ${staged} cases on the sigmoid stage from float32 logits`);
      expect(failures).toEqual([]);
      // MONAI's sigmoid=True and smp's binary / multilabel modes are in every one of these files.
      expect(staged).toBeGreaterThan(0);
    });
  },
);

/**
 * MONAI's squared_pred=True cases again with float32 inputs (probabilities, or logits with sigmoid=True), the
 * input of the dense stage's squared form (denseStats.ts), on forced WebAssembly (from any length) and on the JS
 * kernels: every case that runs that path (its run counter moves) passes with the same tolerances.
 */
describe.each(
  FILES.filter(([f, n]) => f === 'monai' && ['DiceLoss', 'DiceCELoss', 'DiceFocalLoss'].includes(n)),
)('%s/%s squared_pred reference vectors from float32 inputs', (folder, name) => {
  for (const mode of ['wasm', 'js'] as const) {
    it(`pass on the squared form of the dense stage (${mode})`, () => {
      const file = loadVectors(folder, name);
      const failures: string[] = [];
      let staged = 0;
      setRegionWasmEnabled(mode === 'wasm', 0);
      try {
        for (const c of file.cases) {
          if (DECLINED[`${folder}/${c.id}`] || c.options.squared_pred !== true) continue;
          const a = adaptMonai(name, c);
          if ('declined' in a || 'broadcast' in a || !('pr' in a)) continue;
          // The inputs are float32-exact (the vectors' notes): float32 targets too, as the kernels take them.
          const pr = { data: Float32Array.from(a.pr.data), shape: a.pr.shape };
          const g = a.gt.data instanceof Float64Array ? Float32Array.from(a.gt.data) : a.gt.data;
          const before = regionSquaredRuns();
          let msg: string | null;
          try {
            msg = check(c, { ...a, pr, gt: { data: g, shape: a.gt.shape } });
          } catch (err) {
            msg = `threw ${(err as Error).message}`;
          }
          const after = regionSquaredRuns();
          if ((mode === 'wasm' ? after.wasm - before.wasm : after.js - before.js) === 0) continue;
          staged++;
          if (msg !== null) failures.push(`${c.id}: ${msg}`);
        }
      } finally {
        setRegionWasmEnabled(true);
      }
      console.log(`${folder}/${name}: ${staged} squared_pred cases on the squared stage (${mode})`);
      expect(failures).toEqual([]);
      expect(staged).toBeGreaterThan(0);
    });
  }
});

/**
 * smp's MCCLoss cases again with float32 inputs (the vectors' inputs are float32-exact), the input of the region
 * engine's dense kernels (family/mcc.ts): on forced WebAssembly (from any length; its run counter moves) and on
 * the JS loops (it does not), every case passes with the same tolerances.
 */
describe('smp/MCCLoss reference vectors from float32 inputs', () => {
  for (const mode of ['wasm', 'js'] as const) {
    it(`pass on the region kernels (${mode})`, () => {
      const file = loadVectors('smp', 'MCCLoss');
      const failures: string[] = [];
      let cases = 0;
      setRegionWasmEnabled(mode === 'wasm', 0);
      try {
        for (const c of file.cases) {
          const a = adaptSmp('MCCLoss', c);
          if ('declined' in a || 'broadcast' in a || !('pr' in a)) continue;
          const pr = { data: Float32Array.from(a.pr.data), shape: a.pr.shape };
          const gt = { data: Float32Array.from(a.gt.data), shape: a.gt.shape };
          const before = regionWasmRuns().runs;
          let msg: string | null;
          try {
            msg = check(c, { ...a, pr, gt });
          } catch (err) {
            msg = `threw ${(err as Error).message}`;
          }
          const ran = regionWasmRuns().runs > before;
          if (ran !== (mode === 'wasm')) msg = `${msg ?? ''} ran on ${ran ? 'wasm' : 'js'}`;
          cases++;
          if (msg !== null) failures.push(`${c.id}: ${msg}`);
        }
      } finally {
        setRegionWasmEnabled(true);
      }
      console.log(`smp/MCCLoss: ${cases} cases from float32 inputs (${mode})`);
      expect(failures).toEqual([]);
      expect(cases).toBeGreaterThan(0);
    });
  }
});

/** Every declined case, by file: the adapters' declines and DECLINED. A decline added or lost shows here. */
const PINNED_DECLINES: Record<string, string[]> = {
  'monai/DiceCELoss': ['0030', '0031'],
  'monai/DiceFocalLoss': ['0011'],
  'monai/GeneralizedDiceLoss': ['0010'],
  'monai/TverskyLoss': ['0020'],
  'smp/FocalLoss': [
    '0001',
    '0002',
    '0004',
    '0007',
    '0008',
    '0011',
    '0013',
    '0015',
    '0019',
    '0022',
    '0024',
    '0027',
    '0030',
    '0031',
    '0034',
  ],
  'smp/SoftCrossEntropyLoss': ['0028', '0029'],
  'smp/SoftBCEWithLogitsLoss': ['0028'],
  'smp/LovaszLoss': ['0024', '0030', '0034', '0035', '0036', '0037'],
};

describe('the reference-vector coverage is pinned', () => {
  it('every loss file of test/vectors/{monai,smp} is run by this test', () => {
    const loss = (['monai', 'smp'] as const).flatMap((f) =>
      vectorFileNames(f)
        .filter((n) => n.endsWith('Loss'))
        .map((n) => `${f}/${n}`),
    );
    expect(FILES.map(([f, n]) => `${f}/${n}`).sort()).toEqual(loss.sort());
  });

  it('the declined cases are exactly the pinned list, and every DECLINED id names a real case', () => {
    const got: Record<string, string[]> = {};
    const ids = new Set<string>();
    for (const [folder, name] of FILES) {
      for (const c of loadVectors(folder, name).cases) {
        ids.add(`${folder}/${c.id}`);
        const a = folder === 'monai' ? adaptMonai(name, c) : adaptSmp(name, c);
        if (DECLINED[`${folder}/${c.id}`] || 'declined' in a) {
          (got[`${folder}/${name}`] ??= []).push(c.id.slice(c.id.lastIndexOf('/') + 1));
        }
      }
    }
    expect(got).toEqual(PINNED_DECLINES);
    for (const id of Object.keys(DECLINED)) expect(ids.has(id), id).toBe(true);
  });
});
