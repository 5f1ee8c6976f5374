/**
 * The commander definitions of `segkit eval`, `segkit merge` and `segkit weights`: options and help only;
 * validation and work happen in `options.ts` and `run.ts`.
 * @module
 */
import { Command, Option } from 'commander';
import { exitCodeOf } from '../errors.js';
import {
  COUNT_METRICS,
  DEFAULT_METRICS,
  SURFACE_METRICS,
  parseEvalOptions,
  parseOutputs,
  parseWeightsOptions,
} from './options.js';
import type { RawEvalOptions } from './options.js';
import { parseCiOptions } from './intervals.js';
import type { RawCiOptions } from './intervals.js';
import { processIO, runEval, runMerge, runWeights } from './run.js';
import type { CliIO } from './run.js';
import { actionIO, QUIET_HELP } from '../output.js';

/** The help epilogue shared by the three commands. */
export const EXIT_CODES_HELP = `
Exit codes:
  0  success
  1  data error (unreadable or undecodable file, sizes or labels that do not fit,
     folders that do not pair up)
  2  usage error (unknown or invalid option, missing folder)`;

/** Where a command writes, and where its action leaves the exit code. */
export interface CommandContext {
  io: CliIO;
  exitCode: number;
}

/** The context of the running process. */
export const processContext = (): CommandContext => ({ io: processIO, exitCode: 0 });

/** Runs an action; prints its error as `segkit <name>: <message>` and stores the exit code in `ctx`. */
export async function guarded(
  name: string,
  ctx: CommandContext,
  action: () => Promise<number>,
): Promise<void> {
  try {
    ctx.exitCode = await action();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    ctx.io.stderr(`segkit ${name}: ${message.replace(/^segkit \w+: /, '')}\n`);
    ctx.exitCode = exitCodeOf(err);
  }
}

const contextOr = (ctx: CommandContext | undefined): CommandContext => ctx ?? processContext();

/** Output options shared by `eval` and `merge`. */
function addOutputOptions(cmd: Command): Command {
  return cmd
    .option('--json <file>', 'write the result as JSON (schema segkit.eval v2; - for stdout)')
    .option('--csv <file>', 'write per-image values as CSV (- for stdout)')
    .option('--report <file>', 'write a self-contained HTML report')
    .option('--summary-csv <file>', 'write per-class means, std and --ci intervals as CSV (- for stdout)');
}

/** The interval options shared by `eval` and `merge` (validated by `parseCiOptions`). */
function addCiOptions(cmd: Command): Command {
  return cmd
    .option('--ci <level>', 'bootstrap confidence intervals over images at this level (e.g. 0.95)')
    .option('--bootstrap <n>', 'bootstrap resamples of --ci (default 2000)')
    .option('--seed <s>', 'seed of the --ci resampling (default 0): same seed, same intervals')
    .option('--ci-method <m>', 'bca (default) or percentile');
}

/** `segkit eval`. */
export function evalCommand(context?: CommandContext): Command {
  const ctx = contextOr(context);
  const { io } = ctx;
  const cmd = new Command('eval')
    .summary('evaluate a folder of predicted masks against ground truth')
    .description(
      'Evaluate a folder of predicted masks against a folder of ground-truth masks (PNG, NIfTI-1). ' +
        'Files pair by relative path without extension; prints per-class mean ± std over images.',
    )
    .requiredOption('--gt <dir>', 'folder of ground-truth masks')
    .requiredOption('--pred <dir>', 'folder of predicted masks')
    .requiredOption('--num-classes <n>', 'number of classes N (labels 0..N-1)')
    .option('--labels <names>', 'comma-separated class names, one per class')
    .option('--ignore-index <label>', 'ground-truth label to skip (e.g. 255)')
    .option(
      '--metrics <list>',
      `comma-separated: ${[...COUNT_METRICS, ...SURFACE_METRICS].join(', ')}`,
      DEFAULT_METRICS.join(','),
    )
    .option('--tolerance <t>', 'NSD tolerance in spacing units (required with nsd)')
    .option('--spacing <x,y[,z]>', "every mask's spacing, replacing NIfTI headers")
    .option('--percentile <p>', 'percentile of hd95 (default: 95)')
    .addOption(
      new Option('--pooling <mode>', 'hd95 pooling (default: max-of-directed)').choices([
        'max-of-directed',
        'pooled',
      ]),
    )
    .addOption(
      new Option('--surface <kind>', 'what hd, hd95, assd, nsd measure from').choices([
        'boundary-voxels',
        'surface-elements',
      ]),
    )
    .addOption(
      new Option('--reduction <r>', 'summary of the count metrics')
        .choices(['macro-imagewise', 'micro-imagewise', 'weighted-imagewise', 'macro', 'micro', 'weighted'])
        .default('macro-imagewise'),
    )
    .option('--include-background', 'report class 0 too', false)
    .option('--both-empty <value>', 'overlap score of a class absent from both masks (nan: skipped)', 'nan')
    .option('--beta <b>', 'beta of fbeta (default: 1)')
    .option('--palette <file>', 'JSON colour table for RGB(A) PNG masks')
    .option('--regions <json|file>', 'regions (label sets) also evaluated, e.g. \'{"WT":[1,2,3],"ET":[3]}\'')
    .option('--lesions', 'lesion-wise TP/FP/FN, sensitivity, precision, F1, BraTS lesion Dice', false)
    .option('--lesion-iou <t>', 'a lesion is detected by a component with IoU above t (0: any overlap)')
    .option('--lesion-dilation <n>', 'BraTS 2023: match lesions through the gt dilated n times (default 0)')
    .option('--lesion-thresh <n>', 'BraTS 2023: gt lesions of ≤ n voxels are not scored (default 0)')
    .option('--panoptic', 'panoptic quality; each connected component of a class is an instance', false)
    .option(
      '--panoptic-divisor <n>',
      'masks are panoptic maps, value = class·n + instance (Cityscapes: 1000)',
    )
    .option('--panoptic-things <c>', 'thing classes: their gt pixels without instance id are crowd regions')
    .option('--connectivity <n>', 'components: 4 or 8 (2-D), 6, 18 or 26 (3-D); default 8 / 26');
  addCiOptions(addOutputOptions(cmd))
    .option('--workers <n>', 'worker threads (0: main thread; default: CPU count)')
    .option('--shard <k/n>', 'evaluate only part k of n (needs --state; combine with merge)')
    .option('--state <file>', 'write the exact counts for segkit merge')
    .option('--allow-missing', 'evaluate the pairs found when files lack a partner', false)
    .option('-q, --quiet', QUIET_HELP, false)
    .addHelpText('after', EXIT_CODES_HELP)
    .action(async (raw: RawEvalOptions) => {
      await guarded('eval', ctx, async () => runEval(parseEvalOptions(raw), actionIO(io, raw)));
    });
  return cmd;
}

/** `segkit merge`. */
export function mergeCommand(context?: CommandContext): Command {
  const ctx = contextOr(context);
  const { io } = ctx;
  const cmd = new Command('merge')
    .summary('combine the states of segkit eval --shard runs')
    .description(
      'Combine the --state files of all shards of segkit eval --shard k/n into exactly the result ' +
        'of a single run, and write the same outputs.',
    )
    .argument('<state...>', 'state files written by segkit eval --state');
  addCiOptions(addOutputOptions(cmd))
    .option('--state <file>', 'also write the merged state')
    .option('-q, --quiet', QUIET_HELP, false)
    .addHelpText('after', EXIT_CODES_HELP)
    .action(
      async (
        files: string[],
        raw: {
          json?: string;
          csv?: string;
          report?: string;
          summaryCsv?: string;
          state?: string;
          quiet?: boolean;
        } & RawCiOptions,
      ) => {
        await guarded('merge', ctx, async () =>
          runMerge(files, { ...parseOutputs(raw), state: raw.state }, actionIO(io, raw), parseCiOptions(raw)),
        );
      },
    );
  return cmd;
}

/** `segkit weights`. */
export function weightsCommand(context?: CommandContext): Command {
  const ctx = contextOr(context);
  const { io } = ctx;
  return new Command('weights')
    .summary('class weights of a folder of masks, as JSON')
    .description(
      'Count the classes of a folder of masks and print class weights as a JSON array (ready to pass as classWeights).',
    )
    .requiredOption('--masks <dir>', 'folder of label masks (PNG, NIfTI-1)')
    .requiredOption('--num-classes <n>', 'number of classes N')
    .addOption(
      new Option('--method <m>', 'weighting')
        .choices(['inverse', 'inverseSqrt', 'median', 'effective'])
        .default('inverse'),
    )
    .option('--beta <b>', 'beta of the effective number of samples (method effective)')
    .option('--ignore-index <label>', 'label to skip (e.g. 255)')
    .option('--palette <file>', 'JSON colour table for RGB(A) PNG masks')
    .option('--workers <n>', 'worker threads (0: main thread; default: CPU count)')
    .option('--output <file>', 'write the weights to a file instead of stdout')
    .option('-q, --quiet', QUIET_HELP, false)
    .addHelpText('after', EXIT_CODES_HELP)
    .action(async (raw: Parameters<typeof parseWeightsOptions>[0] & { quiet?: boolean }) => {
      await guarded('weights', ctx, async () => runWeights(parseWeightsOptions(raw), actionIO(io, raw)));
    });
}
