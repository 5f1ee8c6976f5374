/**
 * The per-image cost of the BraTS 2023 lesion options and of panoptic maps (issue 14) on one 128³ volume
 * (a tumour ball of radius 30 plus 40 small balls, labels 1–3; a perturbed prediction): lesion counts of the
 * whole tumour without options and with `dilation 3, sizeThreshold 50` (BraTS glioma), the dilation alone, and
 * panoptic counts of 3 classes with instances from connected components vs from panoptic maps
 * (`--panoptic-divisor 1000`: split + counts). Interleaved runs, so the ratios are of one machine state. One JSON
 * line per result, medians.
 */
import { lesionCounts } from '../src/core/evaluation/components.js';
import { dilateBraTS } from '../src/core/kernels/dilate.js';
import { measureExtras, splitPanopticPair } from '../src/cli/eval/instances.js';
import { parseEvalOptions } from '../src/cli/eval/options.js';
import type { Mask } from '../src/io/types.js';
import { emit, timeInterleaved, xorshift32 } from './harness.js';

const N = 128;
const n = N ** 3;
const u = xorshift32(2023);
const at = (z: number, y: number, x: number) => (z * N + y) * N + x;

/** Labels 1–3 in balls; `instance` numbers the balls (panoptic map value = label · 1000 + ball). */
function volume(jitter: number): { labels: Uint8Array; panoptic: Uint32Array } {
  const labels = new Uint8Array(n);
  const panoptic = new Uint32Array(n);
  let id = 0;
  const ball = (cz: number, cy: number, cx: number, r: number, label: number) => {
    id++;
    for (let z = Math.max(0, cz - r); z < Math.min(N, cz + r + 1); z++)
      for (let y = Math.max(0, cy - r); y < Math.min(N, cy + r + 1); y++)
        for (let x = Math.max(0, cx - r); x < Math.min(N, cx + r + 1); x++)
          if ((z - cz) ** 2 + (y - cy) ** 2 + (x - cx) ** 2 <= r * r) {
            labels[at(z, y, x)] = label;
            panoptic[at(z, y, x)] = label * 1000 + id;
          }
  };
  const j = () => Math.round(jitter * (u() - 0.5));
  ball(64 + j(), 64 + j(), 64 + j(), 30, 1);
  for (let k = 0; k < 40; k++)
    ball(Math.floor(u() * N), Math.floor(u() * N), Math.floor(u() * N), 2 + (k % 3), 1 + (k % 3));
  return { labels, panoptic };
}
const gt = volume(0);
const pred = volume(4);
const shape = [N, N, N];
const tumour = (v: Uint8Array) => ({ data: v.map((x) => (x > 0 ? 1 : 0)), shape });
const [gtWT, predWT] = [tumour(gt.labels), tumour(pred.labels)];
const base = { gt: 'gt', pred: 'pred', numClasses: '4', workers: '0', panoptic: true };
const components = parseEvalOptions(base).settings;
const divisor = parseEvalOptions({ ...base, panopticDivisor: '1000' }).settings;
const mask = (data: Uint8Array | Uint32Array): Mask => ({ data, shape, spacing: [1, 1, 1], format: 'nifti' });
const files = { gt: 'gt', pred: 'pred' };

const t = await timeInterleaved(
  {
    lesions_plain: () => lesionCounts(gtWT, predWT),
    lesions_brats_d3_t50: () => lesionCounts(gtWT, predWT, { dilation: 3, sizeThreshold: 50 }),
    dilate_d3: () => dilateBraTS(gtWT.data, shape, 3),
    panoptic_components: () => measureExtras(mask(gt.labels), mask(pred.labels), [1, 1, 1], components),
    panoptic_divisor_maps: () => {
      const s = splitPanopticPair(mask(gt.panoptic), mask(pred.panoptic), files, divisor);
      return measureExtras(s.gt, s.pred, [1, 1, 1], divisor, s.instances);
    },
  },
  1,
  7,
);
const twin: Record<string, string> = {
  lesions_brats_d3_t50: 'lesions_plain',
  dilate_d3: 'lesions_plain',
  panoptic_divisor_maps: 'panoptic_components',
};
for (const [impl, timing] of Object.entries(t)) {
  const ref = twin[impl];
  emit('eval_brats_panoptic_128cube', impl, n, timing, {
    ...(ref ? { ratio_to: ref, ratio: Math.round((timing.median_ms / t[ref].median_ms) * 100) / 100 } : {}),
    note: 'one 128³ volume, 41 balls, labels 1-3; interleaved runs',
  });
}
