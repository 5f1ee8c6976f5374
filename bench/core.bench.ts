/**
 * `npm run bench -- core`: segmentation_models losses (value + full float32 gradient) on the `*_prob_*`
 * workloads of bench/reference/workloads.json, inputs built exactly as baseline.md describes. Prints one
 * JSON line per (workload, impl): `segkit` (a new gradient array per call), `segkit_out` (the same call
 * writing into one reused buffer, `valueAndGrad(gt, pr, { out })`, as a training loop would), `segkit_js`
 * (Dice and Jaccard with the WebAssembly kernels turned off: the JS kernels alone), `segkit_offset` (Dice
 * and Jaccard with `{ out }` on copies of the inputs that start 992 bytes into their buffers, an alignment
 * at which block copies used to hit glibc's slow `memmove` case), `memory_bound` (the formula of workloads.json with the
 * bandwidths of this process) and `memory_bound_local` (the same two primitives, a JS 8-accumulator read of
 * pr and a `set` copy of gt, timed on this workload's arrays interleaved with segkit's runs, so that the
 * ratio sees the same machine state). Benchmarks report, they never assert.
 *
 * Run it twice, as baseline.md runs PyTorch: with glibc's default malloc and with
 * `MALLOC_MMAP_THRESHOLD_=1073741824 MALLOC_TRIM_THRESHOLD_=4294967296` ("keepmem", the steadier figure:
 * the fresh Float32Array gradient of each call then reuses mapped memory instead of page-faulting new
 * pages). The `malloc` field of each line says which.
 */
import {
  categoricalCrossentropy,
  categoricalFocalLoss,
  diceLoss,
  jaccardLoss,
  type Loss,
} from '../src/index.js';
import {
  emit,
  loadWorkloads,
  memoryBoundMs,
  probabilityInputs,
  readAll,
  timeInterleaved,
} from './harness.js';
import { regionWasmAvailable, setRegionWasmEnabled } from '../src/core/kernels/regionWasm.js';
import { elementwiseWasmAvailable, setElementwiseWasmEnabled } from '../src/core/kernels/elementwiseWasm.js';
import { torchTimings } from './torch.js';
import { emitRelaxed, relaxedRow, useSimd128ByDefault } from './relaxed.js';

/** PyTorch CPU autograd of the same sm formula, 1 thread, keepmem malloc (baseline.md); used when PyTorch is absent. */
const TORCH_KEEPMEM_MS: Record<string, number> = {
  dice_prob_small: 4.43,
  dice_prob_large: 40.6,
  dice_prob_3d: 32.4,
  jaccard_prob_small: 4.32,
  focal_prob_small: 13.3,
  cce_prob_small: 18.7,
};

/** Loss values of baseline.md's JS rows on the same inputs. */
const BASELINE_VALUE: Record<string, number> = {
  dice_prob_small: 0.7500413,
  dice_prob_large: 0.8749631,
  dice_prob_3d: 0.6666721,
  jaccard_prob_small: 0.8571698,
  focal_prob_small: 0.0776823,
};

/** Workload kinds whose passes have WebAssembly kernels. */
const REGION_KINDS = new Set(['sm_dice_prob', 'sm_jaccard_prob']);
/** The workloads of the elementwise WebAssembly kernels (src/core/kernels/elementwiseWasm.ts). */
const ELEMENTWISE_KINDS = new Set(['sm_focal_prob', 'sm_cce_prob']);

const LOSS_OF_KIND: Record<string, Loss> = {
  sm_dice_prob: diceLoss,
  sm_jaccard_prob: jaccardLoss,
  sm_focal_prob: categoricalFocalLoss,
  sm_cce_prob: categoricalCrossentropy,
};

const r2 = (x: number) => Math.round(x * 100) / 100;
const MALLOC = process.env.MALLOC_MMAP_THRESHOLD_ ? 'keepmem' : 'default';

async function main(): Promise<void> {
  const relaxed = useSimd128ByDefault();
  const workloads = loadWorkloads();
  const names = Object.keys(workloads).filter((w) => w.includes('_prob_'));
  const filter = process.argv.slice(2);
  for (const name of names) {
    if (filter.length > 0 && !filter.some((f) => name.includes(f))) continue;
    const w = workloads[name];
    const loss = LOSS_OF_KIND[w.kind];
    const shape = w.shape_nhwc as number[];
    if (!loss || !w.min_bytes) throw new Error(`bench: no segkit loss for workload ${name} (${w.kind})`);
    const { pr, gt } = probabilityInputs(shape);
    const gtNd = { data: gt, shape };
    const prNd = { data: pr, shape };
    const copy = new Float32Array(gt.length);
    const out = new Float32Array(gt.length);
    let value = NaN;
    let sink = 0;
    const impls: Record<string, () => void> = {
      segkit: () => {
        value = loss.valueAndGrad(gtNd, prNd).value;
      },
      segkit_out: () => {
        sink += loss.valueAndGrad(gtNd, prNd, { out }).value;
      },
      memory_bound_local: () => {
        sink += readAll(pr);
        copy.set(gt);
      },
    };
    if (REGION_KINDS.has(w.kind)) {
      const shifted = (x: Float32Array) => {
        const y = new Float32Array(x.length + 1024).subarray(248, 248 + x.length);
        y.set(x);
        return { data: y, shape };
      };
      const [gtShifted, prShifted] = [shifted(gt), shifted(pr)];
      impls.segkit_offset = () => {
        sink += loss.valueAndGrad(gtShifted, prShifted, { out }).value;
      };
      impls.segkit_js = () => {
        setRegionWasmEnabled(false);
        try {
          sink += loss.valueAndGrad(gtNd, prNd).value;
        } finally {
          setRegionWasmEnabled(true);
        }
      };
    }
    if (ELEMENTWISE_KINDS.has(w.kind) && relaxed.has('elementwise')) {
      impls.segkit_relaxed_out = relaxedRow(() => {
        sink += loss.valueAndGrad(gtNd, prNd, { out }).value;
      });
    }
    if (ELEMENTWISE_KINDS.has(w.kind)) {
      impls.segkit_js = () => {
        setElementwiseWasmEnabled(false);
        try {
          sink += loss.valueAndGrad(gtNd, prNd, { out }).value;
        } finally {
          setElementwiseWasmEnabled(true);
        }
      };
    }
    const t = await timeInterleaved(impls, w.warmup, w.runs);
    const bound = await memoryBoundMs(w.min_bytes.read, w.min_bytes.write);
    const local = t.memory_bound_local.median_ms;
    const seg = t.segkit.median_ms;
    // PyTorch timed now, in this run (bench/torch.ts), when it is installed; baseline.md's figure otherwise.
    const torchNow = torchTimings([name])?.[name]?.median_ms;
    const torch = torchNow ?? TORCH_KEEPMEM_MS[name];
    const torchLabel = torchNow === undefined ? 'torch_keepmem of baseline.md' : 'torch_keepmem in this run';
    const expected = BASELINE_VALUE[name];
    const valueNote =
      expected === undefined
        ? ''
        : `; value ${Math.abs(value - expected) < 5e-7 ? 'matches' : 'DIFFERS from'} baseline.md ${expected}`;
    emit(name, 'segkit', w.elements, t.segkit, {
      layout: w.layout,
      malloc: MALLOC,
      value,
      note:
        `${loss.name}.valueAndGrad${(REGION_KINDS.has(w.kind) && regionWasmAvailable()) || (ELEMENTWISE_KINDS.has(w.kind) && elementwiseWasmAvailable()) ? ' (WebAssembly kernels)' : ''}: ${r2(seg / bound)}x memory_bound, ${r2(seg / local)}x memory_bound_local, ` +
        `${r2(seg / torch)}x ${torchLabel} (${torch} ms)${valueNote}`,
      vs_torch: r2(seg / torch),
    });
    // The other segkit rows: the same ratios, with what each one times.
    const variants: [string, string][] = [
      ['segkit_out', `${loss.name}.valueAndGrad(gt, pr, { out }) into one reused buffer`],
      [
        'segkit_offset',
        `${loss.name}.valueAndGrad(gt, pr, { out }) with gt and pr 992 bytes into their buffers`,
      ],
      ['segkit_js', `${loss.name}.valueAndGrad on the JS kernels alone (WebAssembly off)`],
    ];
    for (const [impl, what] of variants) {
      const timing = t[impl];
      if (!timing) continue;
      const ms = timing.median_ms;
      emit(name, impl, w.elements, timing, {
        layout: w.layout,
        malloc: MALLOC,
        note:
          `${what}: ${r2(ms / bound)}x memory_bound, ${r2(ms / local)}x memory_bound_local, ` +
          `${r2(ms / torch)}x ${torchLabel} (${torch} ms)`,
        vs_torch: r2(ms / torch),
      });
    }
    emitRelaxed(name, w.elements, t, {
      bound,
      torchMs: torchNow,
      what: loss.name,
      layout: w.layout,
      malloc: MALLOC,
    });
    const boundTiming = { median_ms: bound, min_ms: bound, max_ms: bound, runs: 1 };
    emit(name, 'memory_bound', w.elements, boundTiming, {
      malloc: MALLOC,
      read_bytes: w.min_bytes.read,
      write_bytes: w.min_bytes.write,
      note: '(read − write)·t_read + write·t_copy, bandwidths measured on 256 MiB in this process',
    });
    emit(name, 'memory_bound_local', w.elements, t.memory_bound_local, {
      malloc: MALLOC,
      read_bytes: w.min_bytes.read,
      write_bytes: w.min_bytes.write,
      note: 'JS 8-accumulator read of pr + set() copy of gt, interleaved with segkit',
    });
    if (sink === 42) console.error('');
  }
}

await main();
