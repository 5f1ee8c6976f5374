/**
 * `segkit demo`: the commander definition (flags, help, validation); the work is {@link runDemo}.
 * @module
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { exitCodeOf } from '../errors.js';
import { processIO, type CliIO } from '../eval/run.js';
import { actionIO, QUIET_HELP } from '../output.js';
import { DEMO_DEFAULTS, NODE_BACKENDS, type DemoOptions } from './defaults.js';

const TFJS_PACKAGES =
  '@tensorflow/tfjs-core @tensorflow/tfjs-layers @tensorflow/tfjs-backend-cpu @tensorflow/tfjs-backend-wasm';

/** Imports the demo's runner, turning a missing TensorFlow.js into an actionable message. */
async function loadRun(): Promise<typeof import('./run.js')> {
  try {
    return await import('./run.js');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new Error(`the demo needs TensorFlow.js: npm install ${TFJS_PACKAGES}`, { cause: err });
    }
    throw err;
  }
}

/** A commander parser for an integer in [min, max], with a message naming the flag. */
function integer(flag: string, min: number, max: number, multipleOf = 1) {
  return (value: string): number => {
    const n = Number(value);
    if (
      !/^\d+$/.test(value.trim()) ||
      !Number.isSafeInteger(n) ||
      n < min ||
      n > max ||
      n % multipleOf !== 0
    ) {
      const extra = multipleOf > 1 ? `, a multiple of ${multipleOf}` : '';
      throw new InvalidArgumentError(
        `${flag} must be an integer in [${min}, ${max}]${extra}; got '${value}'.`,
      );
    }
    return n;
  };
}

/**
 * The `demo` command. `io` receives the table (stdout) and progress (stderr); by default the process's.
 * @example program.addCommand(demoCommand())
 */
export function demoCommand(io: CliIO = processIO): Command {
  const d = DEMO_DEFAULTS;
  return new Command('demo')
    .description(
      'train a small U-Net on built-in, class-imbalanced synthetic images with three losses (categorical ' +
        'cross-entropy, Dice, weighted Dice + focal), print per-class held-out Dice / IoU and write ' +
        'results.json and report.html',
    )
    .option('--epochs <n>', 'training epochs per loss', integer('--epochs', 1, 1000), d.epochs)
    .option(
      '--seed <n>',
      'seed of the data, the weights and the shuffling',
      integer('--seed', 0, 2 ** 31 - 1),
      d.seed,
    )
    .option('--size <px>', 'image side in pixels', integer('--size', 8, 512, 4), d.size)
    .option(
      '--samples <n>',
      'images generated (a quarter held out)',
      integer('--samples', 2, 100000),
      d.samples,
    )
    .option('--out <dir>', 'output folder for results.json and report.html', d.out)
    .option(
      '--browser',
      'instead of training here, serve the browser demo on 127.0.0.1: the same U-Net, data and losses, trained ' +
        'live in your browser on WebGL, with charts that update per epoch (Ctrl-C stops the server)',
    )
    .option('--port <n>', 'port of --browser (0 = any free port)', integer('--port', 0, 65535), 8080)
    .addOption(
      new Option('--backend <name>', 'TensorFlow.js backend (cpu is plain JavaScript, far slower)')
        .choices([...NODE_BACKENDS])
        .default(d.backend),
    )
    .option('-q, --quiet', QUIET_HELP, false)
    .addHelpText(
      'after',
      `
Same seed and backend give the same numbers (only the timings differ).

Exit codes:
  0  success
  1  failure while training or writing the output
  2  usage error (unknown or invalid option)`,
    )
    .action(async (opts: DemoOptions & { browser?: boolean; port: number }) => {
      try {
        if (opts.browser) {
          const { serveBrowserDemo } = await import('./serve.js');
          const { url: base } = await serveBrowserDemo(opts.port);
          // The page reads the training flags from its URL.
          const url = `${base}?epochs=${opts.epochs}&samples=${opts.samples}&size=${opts.size}&seed=${opts.seed}`;
          io.stdout(`${url}\n`);
          io.stderr(`segkit demo: open ${url} in a browser with WebGL (Ctrl-C stops the server)\n`);
          return;
        }
        // TensorFlow.js loads only here, so the other commands run without it installed.
        const { runDemo } = await loadRun();
        process.exitCode = await runDemo(opts, actionIO(io, opts));
      } catch (err) {
        io.stderr(`segkit demo: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exitCode = exitCodeOf(err);
      }
    });
}
