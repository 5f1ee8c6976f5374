/**
 * The score table's reduction on numbers (issue 10, `formulaonce`): `reduceRegion` (core/family/region.ts), whose
 * formulas run through the numeric algebra of core/algebra.ts, against the same reduction hand-inlined on plain
 * numbers (the code before the table was made generic), interleaved so the ratio sees the same machine state.
 * Per-class statistics of R rows × K classes; each timed run reduces them `REPS` times. One JSON line per case;
 * `ratio` = table ÷ inlined.
 */
import { resolveFamilyOptions, expandWeights, type RegionConfig } from '../src/core/family/options.js';
import { type RegionCounts, reduceRegion } from '../src/core/family/region.js';
import { fScoreShape, tverskyShape, type ScoreShape } from '../src/core/scores.js';
import { emit, timeInterleaved, xorshift32 } from './harness.js';

const REPS = 2000;

/** The pre-table reduction, every formula inlined on numbers (value and ∂L/∂(tp, fp, fn)). */
function inlinedReduce(
  fn: string,
  counts: RegionCounts,
  cfg: RegionConfig,
  shape: ScoreShape,
  gamma: number,
) {
  const { R, channels, tp, fp, fn: fnA, G } = counts;
  const K = channels.length;
  const n = R * K;
  let w = expandWeights(fn, cfg.classWeights, K);
  if (cfg.weightsNeedTwoClasses && K === 1) w = new Float64Array(1).fill(1);
  const terms = new Float64Array(n);
  const dterm = new Float64Array(n);
  const ds = new Float64Array(3 * n);
  const included = new Uint8Array(n);
  let count = 0;
  let wsum = 0;
  for (let q = 0; q < n; q++) {
    const k = q % K;
    const empty = G[q] === 0;
    if (empty && cfg.emptyClass === 'skip') continue;
    included[q] = 1;
    count++;
    wsum += w[k];
    if (empty && cfg.emptyClass === 'zero') continue;
    const num = shape.a * tp[q] + cfg.smoothNr;
    const raw = shape.a * tp[q] + shape.wfp * fp[q] + shape.wfn * fnA[q] + cfg.smoothDr;
    const clamped = cfg.eps > 0 && raw < cfg.eps;
    const den = clamped ? cfg.eps : raw;
    const q2 = clamped ? 0 : num / (den * den);
    ds[3 * q] = shape.a / den - shape.a * q2;
    ds[3 * q + 1] = -shape.wfp * q2;
    ds[3 * q + 2] = -shape.wfn * q2;
    const s = num / den;
    let l = 1 - s;
    let dl = -1;
    if (cfg.logLoss) {
      const lo = cfg.eps > 0 ? cfg.eps : 0;
      l = s > lo ? -Math.log(s) : -Math.log(lo);
      dl = s > lo ? -1 / s : 0;
    }
    if (gamma !== 1) {
      const base = Math.max(l, 0);
      dl *= base > 0 ? gamma * Math.pow(base, gamma - 1) : 0;
      l = Math.pow(base, gamma);
    }
    terms[q] = w[k] * l;
    dterm[q] = w[k] * dl;
  }
  let value = 0;
  for (let q = 0; q < n; q++) if (included[q]) value += terms[q];
  let scale = 1;
  if (cfg.reduction === 'mean' && count > 0) {
    if (cfg.classWeightMode === 'normalized') scale = wsum > 0 ? 1 / wsum : 0;
    else scale = 1 / count;
  }
  value *= scale;
  if (cfg.reduction === 'mean' && cfg.classWeightMode === 'score' && count > 0) value += 1 - wsum / count;
  if (count === 0) value = 0;
  const grads = { dtp: new Float64Array(n), dfp: new Float64Array(n), dfn: new Float64Array(n) };
  for (let q = 0; q < n; q++) {
    if (!included[q]) continue;
    const c = dterm[q] * scale;
    grads.dtp[q] = c * ds[3 * q];
    grads.dfp[q] = c * ds[3 * q + 1];
    grads.dfn[q] = c * ds[3 * q + 2];
  }
  return { terms, value, grads };
}

function randomCounts(R: number, K: number): RegionCounts {
  const rnd = xorshift32(7);
  const n = R * K;
  const tp = new Float64Array(n);
  const fp = new Float64Array(n);
  const fn = new Float64Array(n);
  const G = new Float64Array(n);
  for (let q = 0; q < n; q++) {
    tp[q] = 1000 * rnd();
    fp[q] = 500 * rnd();
    fn[q] = 500 * rnd();
    G[q] = q % 5 === 0 ? 0 : tp[q] + fn[q];
  }
  return { R, channels: Array.from({ length: K }, (_, k) => k), tp, fp, fn, G };
}

const CASES: { name: string; R: number; K: number; options: object; shape: ScoreShape; gamma: number }[] = [
  {
    name: 'reduce_sm_dice_16x8',
    R: 16,
    K: 8,
    options: { preset: 'segmentation_models' },
    shape: fScoreShape(1),
    gamma: 1,
  },
  {
    name: 'reduce_monai_dice_16x8',
    R: 16,
    K: 8,
    options: { preset: 'monai', perImage: true },
    shape: fScoreShape(1),
    gamma: 1,
  },
  {
    name: 'reduce_smp_logloss_1x4',
    R: 1,
    K: 4,
    options: { preset: 'smp', logLoss: true },
    shape: fScoreShape(1),
    gamma: 1,
  },
  {
    name: 'reduce_focal_tversky_16x8',
    R: 16,
    K: 8,
    options: { emptyClass: 'skip' },
    shape: tverskyShape(0.3, 0.7),
    gamma: 0.75,
  },
];

for (const c of CASES) {
  const cfg = resolveFamilyOptions('tverskyLoss', c.options);
  const counts = randomCounts(c.R, c.K);
  const extras = { gamma: c.gamma, gammaOn: 'class' as const };
  const a = reduceRegion('tverskyLoss', counts, cfg, c.shape, extras);
  const b = inlinedReduce('tverskyLoss', counts, cfg, c.shape, c.gamma);
  if (Math.abs(a.value - b.value) > 1e-12 * Math.max(1, Math.abs(b.value))) {
    throw new Error(`${c.name}: the table gives ${a.value}, the inlined reduction ${b.value}`);
  }
  let sink = 0;
  const t = await timeInterleaved(
    {
      table: () => {
        for (let i = 0; i < REPS; i++)
          sink += reduceRegion('tverskyLoss', counts, cfg, c.shape, extras).value;
      },
      inlined: () => {
        for (let i = 0; i < REPS; i++)
          sink += inlinedReduce('tverskyLoss', counts, cfg, c.shape, c.gamma).value;
      },
    },
    5,
    21,
  );
  const ratio = Math.round((t.table.median_ms / t.inlined.median_ms) * 1000) / 1000;
  emit(c.name, 'segkit_table', REPS * c.R * c.K, t.table, { ratio, note: `${REPS} reductions per run` });
  emit(c.name, 'inlined_reference', REPS * c.R * c.K, t.inlined, { note: String(sink > 0) });
}
