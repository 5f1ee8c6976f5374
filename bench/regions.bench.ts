/**
 * The per-image cost of `segkit eval --regions / --lesions / --panoptic` (issue 14) on one BraTS-like
 * 128×128×128 volume (4 labels, nested tumour boxes plus scattered small lesions, a perturbed prediction):
 * confusion counts without and with the three BraTS regions, surface metrics per class and per region, lesion
 * counts (3 classes + 3 regions) and panoptic counts (one instance per component). Interleaved runs, so the
 * ratios are of one machine state. One JSON line per result, medians.
 */
import { ConfusionMatrix } from '../src/core/evaluation/confusionMatrix.js';
import { surfaceDistancesPerClass, surfaceDistancesPerRegion } from '../src/core/evaluation/surface.js';
import { measureExtras } from '../src/cli/eval/instances.js';
import { parseEvalOptions } from '../src/cli/eval/options.js';
import type { EvalSettings } from '../src/cli/eval/options.js';
import { emit, timeInterleaved, xorshift32 } from './harness.js';

const N = 128;
const n = N ** 3;
const u = xorshift32(14);
const at = (z: number, y: number, x: number) => (z * N + y) * N + x;

function volume(jitter: number): Uint8Array {
  const v = new Uint8Array(n);
  const ball = (cz: number, cy: number, cx: number, r: number, label: number) => {
    for (let z = Math.max(0, cz - r); z < Math.min(N, cz + r + 1); z++)
      for (let y = Math.max(0, cy - r); y < Math.min(N, cy + r + 1); y++)
        for (let x = Math.max(0, cx - r); x < Math.min(N, cx + r + 1); x++)
          if ((z - cz) ** 2 + (y - cy) ** 2 + (x - cx) ** 2 <= r * r) v[at(z, y, x)] = label;
  };
  const j = () => Math.round(jitter * (u() - 0.5));
  ball(64 + j(), 64 + j(), 64 + j(), 30, 1);
  ball(64 + j(), 64 + j(), 64 + j(), 16, 2);
  ball(64 + j(), 64 + j(), 64 + j(), 8, 3);
  for (let k = 0; k < 40; k++)
    ball(Math.floor(u() * N), Math.floor(u() * N), Math.floor(u() * N), 2 + (k % 3), 1 + (k % 3));
  return v;
}
const gt = volume(0);
const pred = volume(4);
const shape = [N, N, N];
const REGIONS = [
  { name: 'WT', labels: [1, 2, 3] },
  { name: 'TC', labels: [2, 3] },
  { name: 'ET', labels: [3] },
];
const settings: EvalSettings = parseEvalOptions({
  gt: 'gt',
  pred: 'pred',
  numClasses: '4',
  workers: '0',
  regions: JSON.stringify(REGIONS),
}).settings;
const batch = (d: Uint8Array) => ({ data: d, shape: [1, ...shape] });
const surf = { numClasses: 4, percentile: 95 };
const t = await timeInterleaved(
  {
    confusion_classes: () =>
      new ConfusionMatrix({ numClasses: 4, perImage: true }).update(batch(gt), batch(pred)),
    confusion_classes_and_regions: () =>
      new ConfusionMatrix({ numClasses: 4, perImage: true, regions: REGIONS }).update(batch(gt), batch(pred)),
    surface_3_classes: () =>
      surfaceDistancesPerClass({ data: gt, shape }, { data: pred, shape }, { ...surf, classes: [1, 2, 3] }),
    surface_3_regions: () =>
      surfaceDistancesPerRegion({ data: gt, shape }, { data: pred, shape }, { ...surf, regions: REGIONS }),
    lesions_3_classes_3_regions: () =>
      measureExtras(
        { data: gt, shape, spacing: [1, 1, 1] } as never,
        { data: pred, shape, spacing: [1, 1, 1] } as never,
        [1, 1, 1],
        {
          ...settings,
          regions: REGIONS,
          lesions: { connectivity: null, iouThreshold: 0, dilation: 0, sizeThreshold: 0 },
        },
      ),
    panoptic_3_classes: () =>
      measureExtras({ data: gt, shape } as never, { data: pred, shape } as never, [1, 1, 1], {
        ...settings,
        regions: null,
        panoptic: { instances: 'components', connectivity: null, divisor: null, things: null },
      }),
  },
  2,
  9,
);
// Each measurement against its per-class twin of the same run: regions against classes; lesions and panoptic
// against the surface metrics of the 3 classes (the costliest per-image work of an eval without them).
const twin: Record<string, string> = {
  confusion_classes_and_regions: 'confusion_classes',
  surface_3_regions: 'surface_3_classes',
  lesions_3_classes_3_regions: 'surface_3_classes',
  panoptic_3_classes: 'surface_3_classes',
};
for (const [impl, timing] of Object.entries(t)) {
  const ref = twin[impl];
  emit('eval_extras_128cube', impl, n, timing, {
    ...(ref ? { ratio_to: ref, ratio: Math.round((timing.median_ms / t[ref].median_ms) * 100) / 100 } : {}),
    note: 'one 128³ volume, 4 labels; regions WT/TC/ET; interleaved runs',
  });
}
