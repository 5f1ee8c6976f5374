/**
 * The action of `segkit compare`, free of commander: the models are loaded (evaluation states of earlier
 * `segkit eval --state` runs, or prediction folders evaluated here, each exactly once), checked to be
 * evaluations of the same data with the same settings, compared, and written.
 * @module
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataError } from '../../io/errors.js';
import { removeOnInterrupt } from '../../io/interrupt.js';
import { writeFilesAtomic } from '../../io/writeFileAtomic.js';
import { EXIT, UsageError } from '../errors.js';
import { info } from '../output.js';
import { VERSION } from '../version.js';
import { parseEvalOptions, parseRegions } from '../eval/options.js';
import type { RawEvalOptions } from '../eval/options.js';
import type { CiOptions } from '../eval/intervals.js';
import { checkOutputPaths, runEval } from '../eval/run.js';
import type { CliIO } from '../eval/run.js';
import { stringifyCompact } from '../eval/schema.js';
import type { EvalResult } from '../eval/schema.js';
import { headOf, mergeStates, parseState } from '../eval/state.js';
import type { EvalState } from '../eval/state.js';
import { summarize } from '../eval/summarize.js';
import { formatCompareTable } from './format.js';
import { buildCompareReport } from './report.js';
import { compareResults, compareStatsSettings } from './stats.js';
import type { ModelValues } from './stats.js';
import { COMPARE_SCHEMA_VERSION } from './schema.js';
import type { CompareResult, CompareOptions, ModelSource } from './types.js';

/** Reads a state file: parsed, validated, and complete (a single run, or a merged one). */
async function loadState(file: string): Promise<EvalState> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new UsageError(`--state '${file}' cannot be read.`);
  }
  const state = parseState(text, file);
  if (state.shard.count !== 1) {
    throw new DataError(
      `--state '${file}' is shard ${state.shard.index}/${state.shard.count}; merge the shards first (segkit merge … --state merged.json).`,
      { file },
    );
  }
  return mergeStates([{ state: headOf(state), file }], async () => state);
}

/** Evaluates one prediction folder against the ground truth into a state (tables and outputs discarded). */
async function evaluateFolder(raw: RawEvalOptions, pred: string, io: CliIO, tmp: string, i: number) {
  const statePath = join(tmp, `model-${i}.json`);
  const opts = parseEvalOptions({
    ...raw,
    pred,
    state: statePath,
    json: undefined,
    csv: undefined,
    report: undefined,
  });
  await runEval(opts, { ...io, stdout: () => undefined });
  return parseState(await readFile(statePath, 'utf8'), statePath);
}

/** The name of a model in messages: the option and the path. */
const label = (m: ModelSource): string => `${m.kind === 'state' ? '--state' : '--pred'} '${m.path}'`;

/**
 * Checks that every model is an evaluation of the same data with the same settings and the same images.
 * @throws DataError naming the file that differs from the first.
 */
export function checkSameEvaluation(models: readonly { source: ModelSource; state: EvalState }[]): void {
  const [first] = models;
  const ids = first.state.images.map((img) => img.id);
  for (const { source, state } of models.slice(1)) {
    const what = `${label(source)} and ${label(first.source)}`;
    if (state.settings.numClasses !== first.state.settings.numClasses) {
      throw new DataError(
        `${what} have different class counts (${state.settings.numClasses} and ${first.state.settings.numClasses}); compare evaluations of the same classes.`,
        { file: source.path },
      );
    }
    for (const key of Object.keys(first.state.settings) as (keyof EvalState['settings'])[]) {
      const [x, y] = [JSON.stringify(state.settings[key]), JSON.stringify(first.state.settings[key])];
      if (x !== y) {
        throw new DataError(`${what} were evaluated with different ${key} (${x} and ${y}).`, {
          file: source.path,
        });
      }
    }
    if (state.dataset.gtListing !== first.state.dataset.gtListing) {
      throw new DataError(
        `${what} are evaluations of different ground truths ('${state.dataset.gt}' and '${first.state.dataset.gt}' list different files); compare models on the same dataset.`,
        { file: source.path },
      );
    }
    const other = state.images.map((img) => img.id);
    const mine = new Set(other);
    const theirs = new Set(ids);
    const missing = ids.filter((id) => !mine.has(id));
    const extra = other.filter((id) => !theirs.has(id));
    if (missing.length || extra.length) {
      const show = (list: string[]) => list.slice(0, 5).join(', ') + (list.length > 5 ? ', …' : '');
      throw new DataError(
        `${what} evaluated different images: ${missing.length} missing from the former${missing.length ? ` (${show(missing)})` : ''}, ${extra.length} not in the latter${extra.length ? ` (${show(extra)})` : ''}; images pair by id.`,
        { file: source.path },
      );
    }
  }
}

/**
 * With `--regions` or `--lesions` on compare, checks that every `--state` carries them (a state of an
 * evaluation without them cannot be compared over them): the same regions as `--regions` (parsed with the
 * state's class count), lesion settings for `--lesions`. Folders are evaluated with the options, so they do.
 * @throws DataError naming the state file.
 */
export function checkStateSections(
  models: readonly { source: ModelSource; state: EvalState }[],
  raw: Pick<RawEvalOptions, 'regions' | 'lesions'>,
): void {
  for (const { source, state } of models) {
    if (source.kind !== 'state') continue;
    const { settings } = state;
    if (raw.regions !== undefined) {
      if (!settings.regions) {
        throw new DataError(
          `${label(source)} has no regions (it was evaluated without --regions); evaluate with segkit eval --regions … --state again, or compare without --regions.`,
          { file: source.path },
        );
      }
      const asked = JSON.stringify(parseRegions(raw.regions, settings.numClasses));
      if (asked !== JSON.stringify(settings.regions)) {
        throw new DataError(
          `${label(source)} was evaluated with other regions (${JSON.stringify(settings.regions)}) than --regions (${asked}).`,
          { file: source.path },
        );
      }
    }
    if (raw.lesions && !settings.lesions) {
      throw new DataError(
        `${label(source)} has no lesion counts (it was evaluated without --lesions); evaluate with segkit eval --lesions … --state again, or compare without --lesions.`,
        { file: source.path },
      );
    }
  }
}

/** The whole comparison document. */
export function buildCompareResult(
  models: readonly { source: ModelSource; state: EvalState }[],
  ci: CiOptions,
  alpha: number,
): CompareResult {
  const values: ModelValues[] = models.map((m) => ({
    result: summarize(m.state),
    lesions: m.state.settings.lesions ? m.state.images.map((img) => img.lesions!) : null,
  }));
  const results: EvalResult[] = values.map((v) => v.result);
  return {
    schema: 'segkit.compare',
    version: COMPARE_SCHEMA_VERSION,
    segkit: VERSION,
    settings: results[0].settings,
    statistics: compareStatsSettings(ci, alpha),
    images: results[0].images.length,
    classes: results[0].classes.map((c) => ({ index: c.index, name: c.name })),
    models: models.map((m, i) => ({
      name: String.fromCharCode(65 + (i % 26)) + (i >= 26 ? String(Math.floor(i / 26)) : ''),
      source: m.source.kind,
      path: m.source.path,
      pred: m.state.dataset.pred,
      gt: m.state.dataset.gt,
      content: m.state.content,
    })),
    comparisons: compareResults(values, ci, alpha),
  };
}

/**
 * `segkit compare`: loads the models (states first, then prediction folders, in the order given), checks them,
 * compares each with the first and writes the table (stdout), `--json` and `--report`.
 * @returns the exit code (errors are thrown: `UsageError` → 2, anything else → 1).
 */
export async function runCompare(opts: CompareOptions, raw: RawEvalOptions, io: CliIO): Promise<number> {
  const sources: ModelSource[] = [
    ...opts.states.map((path) => ({ kind: 'state' as const, path })),
    ...opts.preds.map((path) => ({ kind: 'pred' as const, path })),
  ];
  await checkOutputPaths(
    [
      ['--json', opts.json],
      ['--report', opts.report],
    ],
    [
      ...opts.states.map((f) => ['--state', f] as const),
      ['--gt', opts.gt],
      ...opts.preds.map((f) => ['--pred', f] as const),
    ],
    [...(opts.gt ? [['--gt', opts.gt] as const] : []), ...opts.preds.map((f) => ['--pred', f] as const)],
  );
  const models: { source: ModelSource; state: EvalState }[] = [];
  const tmp = opts.preds.length ? await mkdtemp(join(tmpdir(), 'segkit-compare-')) : undefined;
  const release = tmp ? removeOnInterrupt(tmp) : () => undefined;
  try {
    for (const source of sources) {
      const state =
        source.kind === 'state'
          ? await loadState(source.path)
          : await evaluateFolder(raw, source.path, io, tmp!, models.length);
      models.push({ source, state });
    }
  } finally {
    if (tmp) await rm(tmp, { recursive: true, force: true });
    release();
  }
  checkStateSections(models, raw);
  checkSameEvaluation(models);
  const result = buildCompareResult(models, opts.ci, opts.alpha);
  const files: [string, string][] = [];
  let stdout: string | undefined;
  if (opts.json === '-') stdout = stringifyCompact(result) + '\n';
  else if (opts.json) files.push([opts.json, stringifyCompact(result) + '\n']);
  if (opts.report) files.push([opts.report, buildCompareReport(result)]);
  await writeFilesAtomic(files);
  io.stdout(stdout ?? formatCompareTable(result));
  info(io, `segkit compare: ${models.length} models, ${result.images} images.\n`);
  return EXIT.ok;
}
