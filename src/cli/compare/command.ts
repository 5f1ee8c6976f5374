/**
 * The commander definition of `segkit compare` and the validation of its options. The evaluation options
 * (`--num-classes`, `--metrics`, …) are those of `segkit eval`, copied from its definition so that the two
 * commands never drift apart.
 * @module
 */
import { Command, Option } from 'commander';
import { UsageError } from '../errors.js';
import { EXIT_CODES_HELP, evalCommand, guarded } from '../eval/command.js';
import type { CommandContext } from '../eval/command.js';
import { parseCiOptions } from '../eval/intervals.js';
import type { RawCiOptions } from '../eval/intervals.js';
import { parseNumber } from '../eval/options.js';
import type { RawEvalOptions } from '../eval/options.js';
import { actionIO, QUIET_HELP } from '../output.js';
import { runCompare } from './run.js';
import type { CompareOptions } from './types.js';

/** Options of `eval` that `compare` does not take (it has its own outputs, and evaluates whole folders). */
const NOT_COPIED = new Set([
  '--gt',
  '--pred',
  '--json',
  '--csv',
  '--report',
  '--summary-csv',
  '--shard',
  '--state',
  '--allow-missing',
  '--quiet',
  '--ci',
  '--bootstrap',
  '--seed',
  '--ci-method',
]);

/** Raw options of `compare`. */
export type RawCompareOptions = Omit<RawEvalOptions, 'pred' | 'state'> &
  RawCiOptions & { pred?: string[]; state?: string[]; alpha?: string };

const collect = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v];

/** Validates the options of `compare`. */
export function parseCompareOptions(raw: RawCompareOptions): CompareOptions {
  const preds = raw.pred ?? [];
  const states = raw.state ?? [];
  if (preds.length + states.length < 2) {
    throw new UsageError(
      `compare needs at least two models (--pred folders and --state files); got ${preds.length + states.length}.`,
    );
  }
  if (preds.length && !raw.gt) throw new UsageError('--pred needs --gt (the ground-truth folder).');
  if (!preds.length && raw.gt) throw new UsageError('--gt is only used with --pred.');
  if (raw.report === '-')
    throw new UsageError('--report must be a file name (the HTML report is not written to stdout); got "-".');
  if (raw.json !== undefined && raw.json === raw.report)
    throw new UsageError('--json and --report must name different files.');
  return {
    gt: raw.gt,
    preds,
    states,
    ci: parseCiOptions({ ...raw, ci: raw.ci ?? '0.95' })!,
    alpha: raw.alpha === undefined ? 0.05 : parseNumber('--alpha', raw.alpha, 0, 1),
    json: raw.json,
    report: raw.report,
  };
}

/** `segkit compare`. */
export function compareCommand(context: CommandContext): Command {
  const cmd = new Command('compare')
    .summary('is model B better than model A? paired tests over the same images')
    .description(
      'Compare the evaluations of two or more models on the same images: per metric and class, the mean paired ' +
        'difference with a paired bootstrap interval, the Wilcoxon signed-rank test and Holm-adjusted p-values. ' +
        'Models are --state files of earlier segkit eval runs (in the order given), then --pred folders ' +
        'evaluated against --gt; the first model is the baseline A. With --regions, the regions are compared ' +
        'too; with --lesions, the per-image lesion-wise Dice, missed and false-positive lesions (states must ' +
        'carry them). Holm runs over all rows of a comparison.',
    )
    .option('--gt <dir>', 'folder of ground-truth masks (with --pred)')
    .option('--pred <dir>', 'folder of predicted masks of one model (repeat for each model)', collect)
    .option('--state <file>', 'state of an earlier segkit eval --state run (repeat)', collect);
  for (const o of evalCommand().options) {
    if (NOT_COPIED.has(o.long ?? '')) continue;
    // Required by eval, but not when every model comes from a state.
    o.mandatory = false;
    cmd.addOption(o);
  }
  cmd
    .option('--ci <level>', 'level of the paired bootstrap intervals', '0.95')
    .option('--bootstrap <n>', 'bootstrap resamples (default 2000)')
    .option('--seed <s>', 'seed of the resampling (default 0)')
    .addOption(new Option('--ci-method <m>', 'bca (default) or percentile'))
    .option('--alpha <a>', 'level at which a Holm-adjusted difference is called significant', '0.05')
    .option('--json <file>', 'write the comparison as JSON (schema segkit.compare v2; - for stdout)')
    .option('--report <file>', 'write a self-contained HTML report with paired plots')
    .option('-q, --quiet', QUIET_HELP, false)
    .addHelpText('after', EXIT_CODES_HELP)
    .action(async (raw: RawCompareOptions) => {
      await guarded('compare', context, async () =>
        runCompare(
          parseCompareOptions(raw),
          { ...raw, pred: undefined, state: undefined },
          actionIO(context.io, raw),
        ),
      );
    });
  return cmd;
}
