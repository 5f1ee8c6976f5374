/**
 * Bad input never gives a silent number (issue 10, "Bad input"): every public loss and metric, on the
 * WebAssembly kernels and with them switched off (the JS kernels), throws a RangeError naming the function,
 * the argument and the first offending index for NaN, +Inf and −Inf in `pr` (probabilities or logits) and `gt`,
 * and for probabilities outside [0, 1]; with `checkInputs: false` it does not throw, and on valid input both
 * settings give the same numbers.
 *
 * The table is pinned: every factory exported from src/core/losses and src/core/metrics has a row (a new loss
 * without one fails), the covered (row, argument, value) cases are counted, and the cases left out are listed
 * with their reason in `DECLINED` (also in the README's "Bad input" paragraph).
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as losses from '../../src/core/losses/index.js';
import * as metrics from '../../src/core/metrics/index.js';
import { elementwiseWasmRuns, setElementwiseWasmEnabled } from '../../src/core/kernels/elementwiseWasm.js';
import { regionWasmRuns, setRegionWasmEnabled } from '../../src/core/kernels/regionWasm.js';
import { setSoftmaxWasmEnabled, softmaxRuns } from '../../src/core/kernels/softmaxRegion.js';
import type { Loss } from '../../src/core/loss.js';
import type { NdArray } from '../../src/core/types.js';

const L = losses;
const M = metrics;

/** Every path: the WebAssembly kernels for any size, or none (JS kernels only). */
function setWasm(on: boolean): void {
  setElementwiseWasmEnabled(on, 0);
  setSoftmaxWasmEnabled(on, 0);
  setRegionWasmEnabled(on, 0);
}
function wasmRuns(): number {
  return elementwiseWasmRuns() + softmaxRuns().wasm + regionWasmRuns().runs;
}
afterAll(() => {
  setElementwiseWasmEnabled(true);
  setSoftmaxWasmEnabled(true);
  setRegionWasmEnabled(true);
});

type Kind = 'probabilities' | 'logits';
type Layout = 'channelsLast' | 'channelsFirst';
/** A result: a number (metrics) or a value and gradient (losses). */
type Call = (
  gt: NdArray,
  pr: NdArray,
  o: { checkInputs?: boolean },
) => number | { value: number; grad: Float32Array };

interface Row {
  /** The exported factory (the error names it). */
  fn: string;
  /** What the row exercises beyond the defaults. */
  what: string;
  kind: Kind;
  layout: Layout;
  /** gt of pr's shape in [0, 1] (every row here). */
  call: Call;
}

const cl = { layout: 'channelsLast' as const };
const cf = { layout: 'channelsFirst' as const };
const vg =
  (f: (o: { checkInputs?: boolean }) => Loss) => (gt: NdArray, pr: NdArray, o: { checkInputs?: boolean }) =>
    f(o).valueAndGrad(gt, pr);
const mv =
  (f: (o: { checkInputs?: boolean }) => { value(gt: NdArray, pr: NdArray): number }) =>
  (gt: NdArray, pr: NdArray, o: { checkInputs?: boolean }) =>
    f(o).value(gt, pr);
const mask = (shape: readonly number[], layout: Layout): NdArray => {
  const m = layout === 'channelsLast' ? [...shape.slice(0, -1), 1] : [shape[0], 1, ...shape.slice(2)];
  return { data: new Float32Array(m.reduce((a, b) => a * b, 1)).fill(1), shape: m };
};

const ROWS: Row[] = [
  // Region losses and metrics: sm's option set (dense probabilities: WebAssembly or the JS kernels).
  {
    fn: 'diceLoss',
    what: 'sm',
    kind: 'probabilities',
    layout: 'channelsLast',
    call: vg((o) => L.diceLoss(o)),
  },
  {
    fn: 'jaccardLoss',
    what: 'sm',
    kind: 'probabilities',
    layout: 'channelsLast',
    call: vg((o) => L.jaccardLoss(o)),
  },
  { fn: 'fScore', what: 'sm', kind: 'probabilities', layout: 'channelsLast', call: mv((o) => M.fScore(o)) },
  {
    fn: 'iouScore',
    what: 'sm',
    kind: 'probabilities',
    layout: 'channelsLast',
    call: mv((o) => M.iouScore(o)),
  },
  {
    fn: 'precision',
    what: 'sm',
    kind: 'probabilities',
    layout: 'channelsLast',
    call: mv((o) => M.precision(o)),
  },
  { fn: 'recall', what: 'sm', kind: 'probabilities', layout: 'channelsLast', call: mv((o) => M.recall(o)) },
  {
    fn: 'fScore',
    what: 'threshold',
    kind: 'probabilities',
    layout: 'channelsLast',
    call: mv((o) => M.fScore({ ...o, threshold: 0.5 })),
  },
  // The family's presets and forms.
  {
    fn: 'diceLoss',
    what: 'monai, channels-first',
    kind: 'probabilities',
    layout: 'channelsFirst',
    call: vg((o) => L.diceLoss({ ...o, preset: 'monai' })),
  },
  {
    fn: 'diceLoss',
    what: 'squared',
    kind: 'probabilities',
    layout: 'channelsLast',
    call: vg((o) => L.diceLoss({ ...o, ...cl, preset: 'monai', squared: true })),
  },
  {
    fn: 'diceLoss',
    what: 'softmax from logits (fused kernels)',
    kind: 'logits',
    layout: 'channelsLast',
    call: vg((o) => L.diceLoss({ ...o, ...cl, fromLogits: true })),
  },
  {
    fn: 'diceLoss',
    what: 'softmax from logits, channels-first (general path)',
    kind: 'logits',
    layout: 'channelsFirst',
    call: vg((o) => L.diceLoss({ ...o, ...cf, fromLogits: true })),
  },
  {
    fn: 'diceLoss',
    what: 'sigmoid from logits',
    kind: 'logits',
    layout: 'channelsLast',
    call: vg((o) => L.diceLoss({ ...o, ...cl, fromLogits: true, activation: 'sigmoid' })),
  },
  {
    fn: 'diceLoss',
    what: 'smp (soft-label form from logits)',
    kind: 'logits',
    layout: 'channelsFirst',
    call: vg((o) => L.diceLoss({ ...o, preset: 'smp' })),
  },
  {
    fn: 'fScore',
    what: 'sigmoid from logits, threshold',
    kind: 'logits',
    layout: 'channelsLast',
    call: mv((o) =>
      M.fScore({ ...o, ...cl, fromLogits: true, activation: 'sigmoid', threshold: 0.5 } as never),
    ),
  },
  {
    fn: 'tverskyLoss',
    what: '',
    kind: 'probabilities',
    layout: 'channelsLast',
    call: vg((o) => L.tverskyLoss({ ...o, ...cl })),
  },
  {
    fn: 'generalizedDiceLoss',
    what: '',
    kind: 'probabilities',
    layout: 'channelsLast',
    call: vg((o) => L.generalizedDiceLoss({ ...o, ...cl })),
  },
  {
    fn: 'logCoshDiceLoss',
    what: '',
    kind: 'probabilities',
    layout: 'channelsLast',
    call: vg((o) => L.logCoshDiceLoss({ ...o, ...cl })),
  },
  {
    fn: 'maskedDiceLoss',
    what: '',
    kind: 'probabilities',
    layout: 'channelsLast',
    call: (gt, pr, o) =>
      L.maskedDiceLoss({ ...o, ...cl }).valueAndGrad(gt, pr, mask(pr.shape, 'channelsLast')),
  },
  // Elementwise losses.
  {
    fn: 'binaryCrossentropy',
    what: '',
    kind: 'probabilities',
    layout: 'channelsLast',
    call: vg((o) => L.binaryCrossentropy(o)),
  },
  {
    fn: 'categoricalCrossentropy',
    what: '',
    kind: 'probabilities',
    layout: 'channelsLast',
    call: vg((o) => L.categoricalCrossentropy(o)),
  },
  {
    fn: 'categoricalCrossentropy',
    what: 'channels-first',
    kind: 'probabilities',
    layout: 'channelsFirst',
    call: vg((o) => L.categoricalCrossentropy({ ...o, ...cf })),
  },
  {
    fn: 'binaryFocalLoss',
    what: '',
    kind: 'probabilities',
    layout: 'channelsLast',
    call: vg((o) => L.binaryFocalLoss(o)),
  },
  {
    fn: 'categoricalFocalLoss',
    what: '',
    kind: 'probabilities',
    layout: 'channelsLast',
    call: vg((o) => L.categoricalFocalLoss(o)),
  },
  {
    fn: 'focalLoss',
    what: 'sm (probabilities)',
    kind: 'probabilities',
    layout: 'channelsLast',
    call: vg((o) => L.focalLoss(o)),
  },
  {
    fn: 'focalLoss',
    what: 'monai sigmoid from logits',
    kind: 'logits',
    layout: 'channelsLast',
    call: vg((o) => L.focalLoss({ ...o, ...cl, preset: 'monai' })),
  },
  {
    fn: 'focalLoss',
    what: 'softmax from logits',
    kind: 'logits',
    layout: 'channelsLast',
    call: vg((o) => L.focalLoss({ ...o, ...cl, preset: 'monai', activation: 'softmax' })),
  },
  // Compounds.
  {
    fn: 'diceCELoss',
    what: 'from logits',
    kind: 'logits',
    layout: 'channelsFirst',
    call: vg((o) => L.diceCELoss({ ...o, preset: 'monai', fromLogits: true })),
  },
  {
    fn: 'diceFocalLoss',
    what: 'from logits',
    kind: 'logits',
    layout: 'channelsLast',
    call: vg((o) => L.diceFocalLoss({ ...o, ...cl, preset: 'monai', fromLogits: true })),
  },
  {
    fn: 'generalizedDiceFocalLoss',
    what: 'from logits',
    kind: 'logits',
    layout: 'channelsLast',
    call: vg((o) => L.generalizedDiceFocalLoss({ ...o, ...cl, fromLogits: true })),
  },
  // Lovász, MCC, soft CE / BCE.
  {
    fn: 'lovaszSoftmaxLoss',
    what: 'probabilities',
    kind: 'probabilities',
    layout: 'channelsLast',
    call: vg((o) => L.lovaszSoftmaxLoss({ ...o, ...cl })),
  },
  {
    fn: 'lovaszSoftmaxLoss',
    what: 'from logits',
    kind: 'logits',
    layout: 'channelsLast',
    call: vg((o) => L.lovaszSoftmaxLoss({ ...o, ...cl, fromLogits: true })),
  },
  {
    fn: 'lovaszLoss',
    what: 'multiclass',
    kind: 'logits',
    layout: 'channelsFirst',
    call: vg((o) => L.lovaszLoss({ ...o, mode: 'multiclass' })),
  },
  {
    fn: 'lovaszLoss',
    what: 'multilabel',
    kind: 'logits',
    layout: 'channelsFirst',
    call: vg((o) => L.lovaszLoss({ ...o, mode: 'multilabel' })),
  },
  { fn: 'mccLoss', what: '', kind: 'probabilities', layout: 'channelsLast', call: vg((o) => L.mccLoss(o)) },
  {
    fn: 'softCrossEntropyLoss',
    what: 'dense targets',
    kind: 'logits',
    layout: 'channelsFirst',
    call: vg((o) => L.softCrossEntropyLoss(o)),
  },
  {
    fn: 'softBCEWithLogitsLoss',
    what: '',
    kind: 'logits',
    layout: 'channelsFirst',
    call: vg((o) => L.softBCEWithLogitsLoss(o)),
  },
];

/** Single-channel rows of the binary losses. */
const BINARY: Row[] = [
  {
    fn: 'lovaszHingeLoss',
    what: 'one channel',
    kind: 'logits',
    layout: 'channelsLast',
    call: vg((o) => L.lovaszHingeLoss(o)),
  },
  {
    fn: 'lovaszLoss',
    what: 'binary',
    kind: 'logits',
    layout: 'channelsFirst',
    call: vg((o) => L.lovaszLoss({ ...o, mode: 'binary' })),
  },
];

/**
 * Cases left out, each with its reason (README, "Bad input"). A thresholded metric reads pr only through
 * `pr > threshold`, so any number but NaN is a valid prediction there (a logit, a score): ±Inf and values
 * outside [0, 1] are accepted on purpose.
 */
const DECLINED: readonly string[] = [
  'fScore (threshold) pr +Inf: thresholded metrics accept any number but NaN',
  'fScore (threshold) pr -Inf: thresholded metrics accept any number but NaN',
  'fScore (threshold) pr 1.5: thresholded metrics accept any number but NaN',
  'fScore (threshold) pr -0.25: thresholded metrics accept any number but NaN',
];

/**
 * With `checkInputs: false`, the NaN cases whose NaN does not reach the value or the gradient (a silent
 * number: why the check is on by default). A thresholded metric counts `NaN > t` as false; the sm focal path
 * of `focalLoss` reads a term only where g ≠ 0 (index 7 holds g = 0); the Lovász hinge keeps an error only
 * when `e > 0`, false for NaN.
 */
const UNCHECKED_QUIET: readonly string[] = [
  'fScore (threshold) pr NaN',
  'fScore (sigmoid from logits, threshold) pr NaN',
  'focalLoss (sm (probabilities)) pr NaN',
  'lovaszLoss (multilabel) pr NaN',
  'lovaszLoss (multilabel) gt NaN',
  'lovaszHingeLoss (one channel) pr NaN',
  'lovaszHingeLoss (one channel) gt NaN',
  'lovaszLoss (binary) pr NaN',
  'lovaszLoss (binary) gt NaN',
];

const BAD: readonly [string, number][] = [
  ['NaN', NaN],
  ['+Inf', Infinity],
  ['-Inf', -Infinity],
  ['1.5', 1.5],
  ['-0.25', -0.25],
];

/** Seeded valid inputs of shape [2, 3, 5, C] (or channels-first), gt one-hot over the channels. */
function inputs(row: Row, C: number): { gt: NdArray; pr: NdArray } {
  const [N, H, W] = [2, 3, 5];
  const shape = row.layout === 'channelsLast' ? [N, H, W, C] : [N, C, H, W];
  const n = N * H * W * C;
  const gt = new Float32Array(n);
  const pr = new Float32Array(n);
  const P = H * W;
  for (let b = 0; b < N; b++)
    for (let s = 0; s < P; s++) {
      const label = (b * P + s * 7) % Math.max(C, 2);
      for (let c = 0; c < C; c++) {
        const i = row.layout === 'channelsLast' ? (b * P + s) * C + c : (b * C + c) * P + s;
        gt[i] = C === 1 ? label % 2 : c === label ? 1 : 0;
        const u = ((i * 37) % 97) / 97;
        pr[i] = row.kind === 'probabilities' ? 0.05 + 0.9 * u : 6 * u - 3;
      }
    }
  return { gt: { data: gt, shape }, pr: { data: pr, shape } };
}

interface Case {
  row: Row;
  C: number;
  arg: 'pr' | 'gt';
  bad: string;
  v: number;
  title: string;
}

function casesOf(rows: Row[], C: number): Case[] {
  const out: Case[] = [];
  for (const row of rows)
    for (const arg of ['pr', 'gt'] as const)
      for (const [bad, v] of BAD) {
        // Out-of-range values are bad only for probability predictions.
        if (Number.isFinite(v) && (arg === 'gt' || row.kind === 'logits')) continue;
        const title = `${row.fn}${row.what ? ` (${row.what})` : ''} ${arg} ${bad}`;
        if (DECLINED.some((d) => d.startsWith(title + ':'))) continue;
        out.push({ row, C, arg, bad, v, title });
      }
  return out;
}
const CASES = [...casesOf(ROWS, 3), ...casesOf(BINARY, 1)];

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** `fn: arg must …; got v at index i.` (or `at arg.data[i].`, the smp ports' wording). */
function messageOf(c: Case, i: number): RegExp {
  const v = c.bad === '+Inf' ? 'Infinity' : c.bad === '-Inf' ? '-Infinity' : c.bad;
  return new RegExp(
    `^${c.row.fn}: ${c.arg} must [^;]+; got ${escape(v)} at (index ${i}|${c.arg}\\.data\\[${i}\\])\\.$`,
  );
}

function withBad(c: Case, at: number[]): { gt: NdArray; pr: NdArray } {
  const { gt, pr } = inputs(c.row, c.C);
  const target = (c.arg === 'pr' ? pr : gt).data as Float32Array;
  for (const i of at) target[i] = c.v;
  return { gt, pr };
}

describe('the table covers every public loss and metric', () => {
  it('every factory exported from src/core/losses and src/core/metrics has a row', () => {
    const exported = [...Object.entries(losses), ...Object.entries(metrics)]
      .filter(([, v]) => typeof v === 'function')
      .map(([k]) => k)
      .filter((k) => !/Preset|preset/.test(k));
    const covered = new Set([...ROWS, ...BINARY].map((r) => r.fn));
    expect(exported.filter((k) => !covered.has(k))).toEqual([]);
  });

  it('pins the number of (row, argument, value) cases and the declined ones', () => {
    expect(ROWS.length + BINARY.length).toBe(38);
    expect(CASES.length).toBe(266);
    expect(DECLINED).toHaveLength(4);
  });
});

describe.each([
  ['WebAssembly', true],
  ['JS kernels', false],
] as const)('bad input on the %s path', (_path, wasm) => {
  it.each(CASES.map((c) => [c.title, c] as const))('%s throws a RangeError naming it', (_t, c) => {
    setWasm(wasm);
    // Two offenders: the first is named. 88 is past the first image; 7 is in the first.
    const n = 2 * 3 * 5 * c.C;
    const late = n - 2;
    const { gt, pr } = withBad(c, [7, late]);
    let error: unknown;
    try {
      c.row.call(gt, pr, {});
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RangeError);
    expect((error as Error).message).toMatch(messageOf(c, 7));
    // One late offender alone is found too.
    const one = withBad(c, [late]);
    expect(() => c.row.call(one.gt, one.pr, {})).toThrow(messageOf(c, late));
  });

  it('checkInputs: false does not throw on NaN and lets it through', () => {
    setWasm(wasm);
    const quiet: string[] = [];
    for (const c of CASES.filter((k) => k.bad === 'NaN')) {
      const { gt, pr } = withBad(c, [7]);
      const r = c.row.call(gt, pr, { checkInputs: false });
      const value = typeof r === 'number' ? r : r.value;
      const gradNaN = typeof r === 'number' ? false : r.grad.some((x) => Number.isNaN(x));
      if (!Number.isNaN(value) && !gradNaN) quiet.push(c.title);
    }
    // Where the NaN does not reach the result, by the formula: pinned.
    expect(quiet).toEqual(UNCHECKED_QUIET);
  });

  it('checkInputs true and false give the same numbers on valid input', () => {
    setWasm(wasm);
    const before = wasmRuns();
    for (const [rows, C] of [
      [ROWS, 3],
      [BINARY, 1],
    ] as const) {
      for (const row of rows) {
        const { gt, pr } = inputs(row, C);
        const a = row.call(gt, pr, {});
        const b = row.call(gt, pr, { checkInputs: false });
        expect(b, `${row.fn} ${row.what}`).toEqual(a);
      }
    }
    // The WebAssembly dimension is not vacuous: its kernels ran for some rows, and none when switched off.
    if (wasm) expect(wasmRuns()).toBeGreaterThan(before);
    else expect(wasmRuns()).toBe(before);
  });
});

describe('checkInputs is validated', () => {
  it.each([
    ['diceLoss', () => L.diceLoss({ checkInputs: 'no' } as never)],
    ['focalLoss', () => L.focalLoss({ checkInputs: 1 } as never)],
    ['mccLoss', () => L.mccLoss({ checkInputs: null } as never)],
    ['lovaszHingeLoss', () => L.lovaszHingeLoss({ checkInputs: 0 } as never)],
    ['categoricalCrossentropy', () => L.categoricalCrossentropy({ checkInputs: 'false' } as never)],
  ])('%s: checkInputs must be true or false', (fn, make) => {
    expect(make).toThrow(new RegExp(`^${fn}: checkInputs must be true or false`));
  });
});
