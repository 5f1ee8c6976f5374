/**
 * The actions of `segkit eval`, `merge` and `weights`, free of commander and of `process`: validated options
 * and a {@link CliIO} in, an exit code out. Output files are written only when everything succeeded, and
 * atomically.
 * @module
 */
import { constants } from 'node:fs';
import { access, readFile, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import cliProgress from 'cli-progress';
import { DataError } from '../../io/errors.js';
import type { SparseImageCounts } from '../../core/evaluation/types.js';
import { listMasks, maskKey, pairMasks } from '../../io/pairMasks.js';
import type { MaskFile } from '../../io/pairMasks.js';
import { parsePalette } from '../../io/palette.js';
import type { Palette } from '../../io/types.js';
import { writeFilesAtomic } from '../../io/writeFileAtomic.js';
import { EXIT, UsageError } from '../errors.js';
import { info, ioStream } from '../output.js';
import { VERSION } from '../version.js';
import { EvalAccumulator, imageLines, Scratch } from './accumulate.js';
import { computeWeights } from './weights.js';
import type { CiOptions } from './intervals.js';
import type { EvalOptions, Outputs, WeightsOptions } from './options.js';
import { runTasks } from './pool.js';
import {
  STATE_VERSION,
  foldStates,
  headOf,
  listingDigest,
  pairingDigest,
  parseState,
  shardRange,
} from './state.js';
import type { DatasetIdentity, EvalState, ImageRecord, StateHead } from './state.js';
import { writeOutputsStreamed, writeStateStreamed } from './streamOutputs.js';
import type { CountTask, EvalTask, Task, TaskResult } from './worker.js';

/** Where a command writes: stdout for data, stderr for diagnostics. */
export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Whether stderr is a terminal: only then is a progress bar drawn. */
  isTTY: boolean;
  /** Width of the terminal for the progress bar. @default 80 */
  columns?: number;
  /** `--quiet`: no progress bar, no informational lines (results, warnings and errors only). @default false */
  quiet?: boolean;
}

/** The io of the running process. */
export const processIO: CliIO = {
  stdout: (t) => void process.stdout.write(t),
  stderr: (t) => void process.stderr.write(t),
  get isTTY() {
    return Boolean(process.stderr.isTTY);
  },
  get columns() {
    return process.stderr.columns;
  },
};

/** Checks that a folder option names an existing folder (a usage error otherwise). */
async function checkFolder(option: string, dir: string): Promise<void> {
  let isDir = false;
  try {
    isDir = (await stat(dir)).isDirectory();
  } catch {
    throw new UsageError(`${option} '${dir}' does not exist.`);
  }
  if (!isDir) throw new UsageError(`${option} '${dir}' is not a folder.`);
}

/** Lists the masks of a folder option; an empty folder is a data error. */
async function listFolder(option: string, dir: string): Promise<MaskFile[]> {
  await checkFolder(option, dir);
  const files = await listMasks(dir);
  if (files.length === 0)
    throw new DataError(`${option} '${dir}' holds no mask files (.png, .nii, .nii.gz).`, { file: dir });
  return files;
}

/** Reads `--palette FILE`. */
async function loadPalette(path: string | undefined): Promise<Palette | undefined> {
  if (path === undefined) return undefined;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new UsageError(`--palette '${path}' cannot be read.`);
  }
  return parsePalette(text, path);
}

/** Lists at most `max` names, then how many more. */
function listSome(names: readonly string[], max = 20): string {
  const shown = names
    .slice(0, max)
    .map((n) => `  ${n}\n`)
    .join('');
  return names.length > max ? `${shown}  … and ${names.length - max} more\n` : shown;
}

/** A progress bar on stderr when it is a terminal; otherwise nothing. */
function progress(io: CliIO, label: string, total: number): { tick: () => void; stop: () => void } {
  if (!io.isTTY || io.quiet || total < 2) return { tick: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    {
      stream: ioStream(io),
      format: `${label} [{bar}] {value}/{total} | {eta_formatted} left`,
      clearOnComplete: true,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return { tick: () => bar.increment(), stop: () => bar.stop() };
}

/** Runs the tasks in the pool with a progress bar (on a terminal); `onResult` sees each result in task order. */
async function runWithProgress<T extends Task>(
  io: CliIO,
  label: string,
  count: number,
  taskAt: (i: number) => T,
  workers: number,
  onResult: (result: TaskResult<T>, index: number) => void,
): Promise<void> {
  const bar = progress(io, label, count);
  try {
    await runTasks(count, taskAt, {
      workers,
      onResult: (r, i) => {
        onResult(r, i);
        bar.tick();
      },
    });
  } finally {
    bar.stop();
  }
}

/** Distinct warnings: the first 10 are printed, the rest counted (up to 1000 told apart). */
class Warnings {
  private readonly kept = new Set<string>();
  private readonly seen = new Set<string>();
  add(list: readonly string[]): void {
    for (const w of list) {
      if (this.seen.size < 1000) this.seen.add(w);
      if (this.kept.size < 10) this.kept.add(w);
    }
  }
  print(io: CliIO, command: string): void {
    for (const w of this.kept) io.stderr(`segkit ${command}: warning: ${w}\n`);
    if (this.seen.size > 10) io.stderr(`segkit ${command}: … and ${this.seen.size - 10} more warnings.\n`);
  }
}

/** The real path of a path whose last component may not exist yet (an output file). */
async function realTarget(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch {
    try {
      return join(await realpath(dirname(path)), basename(path));
    } catch {
      return resolve(path);
    }
  }
}

/**
 * Checks the output files before any work: every output's folder exists and is writable, no output is a
 * folder, and no two outputs, and no output and input, are the same file once links, `.` and `..` are
 * resolved (`--json out/r.json --csv out/./r.json` would lose the JSON).
 * @param outputs - option name → file (`-` and undefined skipped).
 * @param inputs - option name → file or folder the run reads.
 * @param folders - input folders: an output inside one that would be listed as a mask is refused too.
 * @throws UsageError naming both options.
 */
export async function checkOutputPaths(
  outputs: readonly (readonly [string, string | undefined])[],
  inputs: readonly (readonly [string, string | undefined])[],
  folders: readonly (readonly [string, string])[] = [],
): Promise<void> {
  const seen: [string, string, string][] = [];
  for (const [option, path] of inputs)
    if (path !== undefined) seen.push([option, path, await realTarget(path)]);
  const realFolders = await Promise.all(folders.map(async ([o, f]) => [o, f, await realTarget(f)] as const));
  for (const [option, path] of outputs) {
    if (path === undefined || path === '-') continue;
    const real = await realTarget(path);
    const same = seen.find(([, , r]) => r === real);
    if (same) {
      throw new UsageError(
        `${option} '${path}' is the same file as ${same[0]} '${same[1]}' ('${real}'); give each output its own file, apart from the inputs.`,
      );
    }
    for (const [o, f, r] of realFolders) {
      const rel = relative(r, real);
      if (rel !== '' && !rel.startsWith('..') && !rel.startsWith(sep) && maskKey(rel) !== undefined) {
        throw new UsageError(
          `${option} '${path}' lies inside ${o} '${f}' and would be read as a mask; write it elsewhere.`,
        );
      }
    }
    const info = await stat(real).catch(() => undefined);
    if (info?.isDirectory()) throw new UsageError(`${option} '${path}' is a folder; give a file name.`);
    const folder = dirname(real);
    const folderInfo = await stat(folder).catch(() => undefined);
    if (!folderInfo?.isDirectory())
      throw new UsageError(`${option} '${path}': the folder '${dirname(path)}' does not exist.`);
    try {
      await access(folder, constants.W_OK);
    } catch {
      throw new UsageError(`${option} '${path}': the folder '${dirname(path)}' is not writable.`);
    }
    seen.push([option, path, real]);
  }
}

/**
 * Lists and pairs the folders of `segkit eval` (missing partners reported on stderr), and returns this shard's
 * pairs and the dataset's identity; the listings themselves are dropped on return (2 entries per pair).
 */
async function pairFolders(opts: EvalOptions, io: CliIO) {
  const [gtFiles, predFiles] = [await listFolder('--gt', opts.gt), await listFolder('--pred', opts.pred)];
  const palette = await loadPalette(opts.palette);
  const { pairs, missing, extra } = pairMasks(gtFiles, predFiles);
  if (missing.length)
    io.stderr(
      `segkit eval: ${missing.length} ground-truth file(s) without a prediction in '${opts.pred}':\n${listSome(missing)}`,
    );
  if (extra.length)
    io.stderr(
      `segkit eval: ${extra.length} prediction(s) without a ground truth in '${opts.gt}':\n${listSome(extra)}`,
    );
  if ((missing.length || extra.length) && !opts.allowMissing) {
    throw new DataError(
      `the folders do not pair up (listed above); pass --allow-missing to evaluate the ${pairs.length} pairs found.`,
    );
  }
  if (pairs.length === 0)
    throw new DataError(`no file of --gt '${opts.gt}' has a prediction in --pred '${opts.pred}'.`);
  const shard = opts.shard ?? { index: 1, count: 1 };
  const [start, end] = shardRange(pairs.length, shard.index, shard.count);
  const dataset: DatasetIdentity = {
    gt: opts.gt,
    pred: opts.pred,
    pairs: pairs.length,
    digest: pairingDigest(pairs),
    gtListing: listingDigest(gtFiles),
    predListing: listingDigest(predFiles),
    missing,
    extra,
  };
  return {
    mine: start === 0 && end === pairs.length ? pairs : pairs.slice(start, end),
    shard,
    dataset,
    palette,
  };
}

/**
 * `segkit eval`: pairs the folders, evaluates every pair in the worker pool, prints the table (or the `-`
 * output) and writes the output files.
 * @returns the exit code (errors are thrown: `UsageError` → 2, anything else → 1).
 */
export async function runEval(opts: EvalOptions, io: CliIO): Promise<number> {
  const t0 = performance.now();
  await checkFolder('--gt', opts.gt);
  await checkFolder('--pred', opts.pred);
  const folders = [
    ['--gt', opts.gt],
    ['--pred', opts.pred],
  ] as const;
  await checkOutputPaths(
    [
      ['--json', opts.outputs.json],
      ['--csv', opts.outputs.csv],
      ['--report', opts.outputs.report],
      ['--summary-csv', opts.outputs.summaryCsv],
      ['--state', opts.state],
    ],
    [...folders, ['--palette', opts.palette]],
    folders,
  );
  const { mine, shard, dataset, palette } = await pairFolders(opts, io);
  // Tasks are made when the pool asks for them: a million are never held at once.
  const taskAt = (i: number): EvalTask => ({
    kind: 'eval',
    id: mine[i].key,
    gtPath: join(opts.gt, mine[i].gt),
    predPath: join(opts.pred, mine[i].pred),
    settings: opts.settings,
    palette,
  });
  // Each result is folded into the accumulator as it arrives (in task order) and dropped: its counts into the
  // core's accumulator, its values into columns, its record and rows into line files in a scratch folder.
  const scratch = new Scratch();
  try {
    const acc = new EvalAccumulator(opts.settings, imageLines(scratch));
    const warnings = new Warnings();
    await runWithProgress(io, 'segkit eval', mine.length, taskAt, opts.workers, (r, i) => {
      warnings.add(r.warnings);
      const record: ImageRecord = {
        id: r.id,
        gt: mine[i].gt,
        pred: mine[i].pred,
        shape: r.shape,
        spacing: r.spacing,
        digest: r.digest,
        surface: r.surface,
        regionSurface: r.regionSurface,
        lesions: r.lesions,
        panoptic: r.panoptic,
      };
      acc.add(record, { state: r.confusion });
    });
    acc.close();
    warnings.print(io, 'eval');
    const head: StateHead = {
      format: 'segkit.eval-state',
      version: STATE_VERSION,
      segkit: VERSION,
      settings: opts.settings,
      dataset,
      shard,
      content: acc.content.hex(),
    };
    const seconds = (performance.now() - t0) / 1000;
    const rate = `${mine.length} pair(s) in ${seconds.toFixed(2)} s (${(mine.length / seconds).toFixed(1)}/s, ${opts.workers} worker${opts.workers === 1 ? '' : 's'})`;
    if (opts.shard) {
      if (opts.state) await writeStateStreamed(opts.state, head, acc);
      info(
        io,
        `segkit eval: shard ${shard.index}/${shard.count}: ${rate}; state written to '${opts.state}'. Combine all shards with segkit merge.\n`,
      );
      return EXIT.ok;
    }
    await writeOutputsStreamed(head, acc, { ...opts.outputs, state: opts.state }, io, opts.ci, scratch);
    info(io, `segkit eval: ${rate}.\n`);
    return EXIT.ok;
  } finally {
    scratch.remove();
  }
}

/**
 * `segkit merge STATE...`: combines the states of all shards into the single-run result and writes the same
 * outputs `eval` would.
 */
export async function runMerge(
  files: readonly string[],
  outputs: Outputs & { state?: string },
  io: CliIO,
  ci: CiOptions | null = null,
): Promise<number> {
  if (files.length === 0) throw new UsageError('segkit merge needs at least one state file.');
  await checkOutputPaths(
    [
      ['--json', outputs.json],
      ['--csv', outputs.csv],
      ['--report', outputs.report],
      ['--summary-csv', outputs.summaryCsv],
      ['--state', outputs.state],
    ],
    files.map((f) => ['state file', f] as const),
  );
  // Two passes: the heads of all states are checked together, then each state is read again and folded in
  // shard order, so one whole state at a time is held besides the merged one.
  const read = async (file: string): Promise<EvalState> => {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      throw new UsageError(`state file '${file}' cannot be read.`);
    }
    return parseState(text, file);
  };
  const heads = [];
  for (const file of files) heads.push({ state: headOf(await read(file)), file });
  const scratch = new Scratch();
  try {
    const acc = new EvalAccumulator(heads[0].state.settings, imageLines(scratch));
    const head = await foldStates(
      heads,
      read,
      (state) => {
        acc.cm.merge(state.confusion);
        const { rows, regionRows } = state.confusion;
        state.images.forEach((img, i) =>
          acc.add(img, { row: rows[i] as SparseImageCounts, regionRow: regionRows?.[i], merged: true }),
        );
      },
      () => acc.pairingDigest(),
    );
    acc.close();
    await writeOutputsStreamed(head, acc, outputs, io, ci, scratch);
    info(io, `segkit merge: ${files.length} state(s), ${acc.images} pair(s).\n`);
    return EXIT.ok;
  } finally {
    scratch.remove();
  }
}

/** `segkit weights`: counts the classes of every mask and prints the class weights as a JSON array. */
export async function runWeights(opts: WeightsOptions, io: CliIO): Promise<number> {
  // --output is checked before any work, as eval's outputs: a missing folder, or a file the next run would read.
  await checkFolder('--masks', opts.masks);
  const folders = [['--masks', opts.masks]] as const;
  await checkOutputPaths([['--output', opts.output]], [...folders, ['--palette', opts.palette]], folders);
  const files = await listFolder('--masks', opts.masks);
  const palette = await loadPalette(opts.palette);
  const tasks: CountTask[] = files.map((f) => ({
    kind: 'count',
    path: join(opts.masks, f.file),
    numClasses: opts.numClasses,
    ignoreIndex: opts.ignoreIndex,
    palette,
  }));
  const results: TaskResult<CountTask>[] = [];
  await runWithProgress(
    io,
    'segkit weights',
    tasks.length,
    (i) => tasks[i],
    opts.workers,
    (r) => results.push(r),
  );
  const { counter, weights } = computeWeights(results, opts);
  info(
    io,
    `segkit weights: ${files.length} file(s), method ${opts.method}; pixels per class: ${counter.counts.join(', ')}.\n`,
  );
  const text = JSON.stringify(weights) + '\n';
  if (opts.output) await writeFilesAtomic([[opts.output, text]]);
  else io.stdout(text);
  return EXIT.ok;
}
