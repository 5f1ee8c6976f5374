/**
 * Reference vectors: smp get_stats and its metrics, MONAI DiceMetric / MeanIoU / HausdorffDistanceMetric /
 * SurfaceDistanceMetric / SurfaceDiceMetric. Every case either passes (rtol 1e-5, atol 1e-6) or is declined
 * with a reason (listed in the summary printed at the end and in docs/notes/issue-4.md).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { close, loadVectors } from '../helpers/vectors.js';
import { monaiOverlapCase, monaiSurfaceCase, smpCase, type Outcome } from './adapters.js';

const summary: Record<string, { pass: number; declined: number; reasons: Map<string, string[]> }> = {};

function run(
  folder: 'smp' | 'monai',
  file: string,
  adapt: (c: ReturnType<typeof loadVectors>['cases'][number]) => Outcome,
) {
  const vf = loadVectors(folder, file);
  const key = `${folder}/${file}`;
  const s = (summary[key] = { pass: 0, declined: 0, reasons: new Map<string, string[]>() });
  describe(`${key} (${vf.cases.length} cases)`, () => {
    for (const c of vf.cases) {
      const out = adapt(c);
      if ('declined' in out) {
        s.declined++;
        const ids = s.reasons.get(out.declined) ?? [];
        ids.push(c.id);
        s.reasons.set(out.declined, ids);
        it.skip(`${c.id} is declined: ${out.declined}`, () => {});
        continue;
      }
      it(`${c.id} matches the reference`, () => {
        if ('error' in out) {
          expect(out.run).toThrow(out.error);
        } else {
          for (const ch of out.checks) {
            expect(ch.actual.length, `${ch.what} length`).toBe(ch.expected.length);
            ch.actual.forEach((a, i) => {
              if (!close(a, ch.expected[i])) {
                expect.fail(
                  `${ch.what}[${i}]: got ${a}, expected ${ch.expected[i]} (all: ${ch.actual} vs ${ch.expected})`,
                );
              }
            });
          }
        }
        s.pass++;
      });
    }
  });
}

for (const f of [
  'get_stats',
  'accuracy',
  'balanced_accuracy',
  'f1_score',
  'fbeta_score',
  'iou_score',
  'precision',
  'recall',
  'sensitivity',
  'specificity',
]) {
  run('smp', f, (c) => smpCase(f, c));
}
for (const f of ['DiceMetric', 'MeanIoU'] as const) run('monai', f, (c) => monaiOverlapCase(f, c));
for (const f of ['HausdorffDistanceMetric', 'SurfaceDistanceMetric', 'SurfaceDiceMetric'] as const) {
  run('monai', f, (c) => monaiSurfaceCase(f, c));
}

/**
 * The declined cases, pinned (README "Declined reference cases"): a case that starts or stops being declined
 * fails here, so the list cannot grow or shrink silently. Case ids without their file prefix.
 */
const PINNED_DECLINED: Record<string, string[]> = {
  'smp/get_stats': ['edge/002', 'edge/003', 'edge/006'],
  'smp/accuracy': ['0002', '0017'],
  'smp/balanced_accuracy': ['0003', '0004', '0015', '0018'],
  'smp/f1_score': ['0002', '0009', '0016'],
  'smp/fbeta_score': ['0004', '0005', '0014', '0018'],
  'smp/iou_score': ['0016', '0018'],
  'smp/precision': ['0002', '0015', '0016', '0017'],
  'smp/recall': ['0005', '0006', '0012', '0019'],
  'smp/sensitivity': ['0018'],
  'smp/specificity': ['0000', '0001', '0003', '0005', '0012'],
  'monai/DiceMetric': [],
  'monai/MeanIoU': [],
  'monai/HausdorffDistanceMetric': ['0009', '0015', '0025', '0027'],
  'monai/SurfaceDistanceMetric': [],
  // use_subvoxels with chessboard distances and anisotropic spacing (MONAI mixes unit distances with spaced areas)
  'monai/SurfaceDiceMetric': ['0008', '0013', '0017'],
};

describe('declined metric cases', () => {
  it('are exactly the pinned ones', () => {
    const actual = Object.fromEntries(
      Object.entries(summary).map(([k, s]) => [
        k,
        [...s.reasons.values()]
          .flat()
          .map((id) => id.replace(/^[^/]+\/seed1[34]\//, ''))
          .sort(),
      ]),
    );
    expect(actual).toEqual(PINNED_DECLINED);
  });
});

afterAll(() => {
  const lines = ['reference vectors: file | passed | declined'];
  for (const [k, s] of Object.entries(summary)) {
    lines.push(`  ${k} | ${s.pass} | ${s.declined}`);
    for (const [why, ids] of s.reasons)
      lines.push(`      declined ${ids.length}: ${why} [${ids.join(', ')}]`);
  }
  console.log(lines.join('\n'));
});
