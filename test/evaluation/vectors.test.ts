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

afterAll(() => {
  const lines = ['reference vectors: file | passed | declined'];
  for (const [k, s] of Object.entries(summary)) {
    lines.push(`  ${k} | ${s.pass} | ${s.declined}`);
    for (const [why, ids] of s.reasons)
      lines.push(`      declined ${ids.length}: ${why} [${ids.join(', ')}]`);
  }
  console.log(lines.join('\n'));
});
