/**
 * CPU-time A/B of the elementwise losses' JS loops: this tree's `src/` (the per-element formulas of
 * core/family/elementwiseTerms.ts instantiated with numbers) against a copy of the pre-change `src/`, imported
 * side by side in ONE process and interleaved call by call (order alternating), `process.cpuUsage` per call.
 * Not a `*.bench.ts` (it needs the copy): `npx tsx bench/ab/elementwiseTerms.ab.ts /tmp/tfjsonce-base [rounds]`.
 * Prints one JSON line per case: medians of old and new CPU ms per call and the median of the per-round ratios.
 *
 * Known bias (docs/notes/issue-10-cceonce.md): with the SAME code on both sides it reported 0.54–0.68×, and
 * 1.49–1.53× with the sides swapped, so its ratios cannot show changes smaller than about 2×. Until it runs each
 * side in its own worker process, compare with separate processes alternated instead.
 */
import { pathToFileURL } from 'node:url';
import * as path from 'node:path';

type Loss = { valueAndGrad(gt: unknown, pr: unknown, o?: { out: Float32Array }): { value: number } };
type Lib = Record<string, (o?: unknown) => Loss> & { setElementwiseWasmEnabled?: (on: boolean) => void };

const base = process.argv[2] ?? '/tmp/tfjsonce-base';
const rounds = Number(process.argv[3] ?? 15);

async function load(root: string): Promise<{ lib: Lib; wasm: (on: boolean) => void }> {
  const lib = (await import(pathToFileURL(path.join(root, 'index.ts')).href)) as Lib;
  const k = (await import(pathToFileURL(path.join(root, 'core/kernels/elementwiseWasm.ts')).href)) as {
    setElementwiseWasmEnabled: (on: boolean) => void;
  };
  return { lib, wasm: k.setElementwiseWasmEnabled };
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

const N = 4,
  H = 256,
  W = 256,
  C = 4;
const n = N * H * W * C;
const r = rng(20261204);
const prob = new Float32Array(n);
const logits = new Float32Array(n);
const hard = new Float32Array(n);
for (let i = 0; i < n; i += C) {
  let s = 0;
  const hot = Math.floor(r() * C);
  for (let c = 0; c < C; c++) {
    prob[i + c] = 0.05 + r();
    s += prob[i + c];
    logits[i + c] = 4 * (r() - 0.5);
    hard[i + c] = c === hot ? 1 : 0;
  }
  for (let c = 0; c < C; c++) prob[i + c] /= s;
}
const labels = new Int32Array(N * H * W);
for (let q = 0; q < labels.length; q++) labels[q] = q % 97 === 0 ? 255 : Math.floor(r() * C);
const shape = [N, H, W, C];
const cf = [N, C, H, W];
const out = new Float32Array(n);

const only = process.env.AB_ONLY;
const cases0: [string, string, unknown, unknown, unknown][] = [
  ['sm binaryCrossentropy (bceRun)', 'binaryCrossentropy', undefined, hard, prob],
  ['sm binaryFocalLoss (binaryFocalRun)', 'binaryFocalLoss', undefined, hard, prob],
  ['sm categoricalFocalLoss, JS kernel (focalRun)', 'categoricalFocalLoss', undefined, hard, prob],
  ['sm categoricalCrossentropy, JS kernel (cceRun)', 'categoricalCrossentropy', undefined, hard, prob],
  [
    'focalLoss sigmoid from logits (MONAI)',
    'focalLoss',
    { preset: 'monai', layout: 'channelsLast' },
    hard,
    logits,
  ],
  ['focalLoss sigmoid from probabilities', 'focalLoss', { activation: 'sigmoid' }, hard, prob],
  [
    'focalLoss softmax from logits, ignoreIndex (JS loop)',
    'focalLoss',
    { preset: 'monai', activation: 'softmax', ignoreIndex: 255, layout: 'channelsLast' },
    'labels',
    logits,
  ],
  [
    'focalLoss smp normalized',
    'focalLoss',
    { preset: 'smp', normalized: true, layout: 'channelsLast' },
    hard,
    logits,
  ],
  [
    'softCrossEntropyLoss smoothFactor 0.1, labels',
    'softCrossEntropyLoss',
    { smoothFactor: 0.1, ignoreIndex: 255, layout: 'channelsLast' },
    'labels',
    logits,
  ],
  ['softBCEWithLogitsLoss smoothFactor 0.1', 'softBCEWithLogitsLoss', { smoothFactor: 0.1 }, hard, logits],
];

function median(a: number[]): number {
  const s = [...a].sort((x, y) => x - y);
  return s[s.length >> 1];
}

function cpu(f: () => void): number {
  const t = process.cpuUsage();
  f();
  const d = process.cpuUsage(t);
  return (d.user + d.system) / 1000;
}

const oldL = await load(base);
const newL = await load(path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../src'));
oldL.wasm(false);
newL.wasm(false);
void cf;
const cases = cases0.filter((c) => only === undefined || c[0].includes(only));
for (const [label, name, opts, gtIn, pr] of cases) {
  const gt = gtIn === 'labels' ? { data: labels, shape: [N, H, W] } : { data: gtIn, shape };
  const p = { data: pr, shape };
  const a = opts === undefined ? oldL.lib[name]() : oldL.lib[name](opts);
  const b = opts === undefined ? newL.lib[name]() : newL.lib[name](opts);
  const va = a.valueAndGrad(gt, p, { out }).value;
  const vb = b.valueAndGrad(gt, p, { out }).value;
  const to: number[] = [];
  const tn: number[] = [];
  const ratio: number[] = [];
  for (let k = 0; k < rounds; k++) {
    let x: number, y: number;
    if (k % 2 === 0) {
      x = cpu(() => a.valueAndGrad(gt, p, { out }));
      y = cpu(() => b.valueAndGrad(gt, p, { out }));
    } else {
      y = cpu(() => b.valueAndGrad(gt, p, { out }));
      x = cpu(() => a.valueAndGrad(gt, p, { out }));
    }
    to.push(x);
    tn.push(y);
    ratio.push(y / x);
  }
  console.log(
    JSON.stringify({
      case: label,
      elements: n,
      oldMs: +median(to).toFixed(2),
      newMs: +median(tn).toFixed(2),
      newOverOld: +median(ratio).toFixed(3),
      valueOld: va,
      valueNew: vb,
    }),
  );
}
