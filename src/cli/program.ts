/**
 * The `segkit` program as a function: argv and a {@link CliIO} in, an exit code out. `main.ts` calls it with
 * the process; tests call it in-process.
 * @module
 */
import { Command, CommanderError } from 'commander';
import { compareCommand } from './compare/command.js';
import { demoCommand } from './demo/command.js';
import { EXIT } from './errors.js';
import {
  EXIT_CODES_HELP,
  evalCommand,
  mergeCommand,
  processContext,
  weightsCommand,
} from './eval/command.js';
import type { CommandContext } from './eval/command.js';
import type { CliIO } from './eval/run.js';
import { VERSION } from './version.js';

/**
 * Commander's usage error in segkit's form, `segkit <command>: <argument> must <expectation>; got <value>.`:
 * the command named instead of `error:`, an invalid choice or option value as what the option must be and what came.
 * @example usageMessage('segkit weights', "error: option '--method <m>' argument 'log' is invalid. Allowed choices are inverse, median.\n")
 * // "segkit weights: --method must be one of inverse, median; got 'log'.\n"
 */
export function usageMessage(command: string, text: string): string {
  const body = text.replace(/^error: /, '').trimEnd();
  const invalid = /^option '(-[^' ]+)[^']*' argument '(.*)' is invalid\. (.*)$/s.exec(body);
  if (invalid) {
    const [, flag, value, why] = invalid;
    const choices = /^Allowed choices are (.*)\.$/s.exec(why);
    if (choices) return `${command}: ${flag} must be one of ${choices[1]}; got '${value}'.\n`;
    return `${command}: ${why.startsWith(flag) ? why : `${flag} ${why}`}\n`;
  }
  const required = /^required option '(-[^' ]+)[^']*' not specified$/.exec(body);
  if (required) return `${command}: ${required[1]} is required.\n`;
  return `${command}: ${body}${/[.?)]$/.test(body) ? '' : '.'}\n`;
}

/** Applies segkit's conventions to a command and its subcommands: no `process.exit`, output through `io`. */
function configure(cmd: Command, io: CliIO): void {
  const name = cmd.name() === 'segkit' ? 'segkit' : `segkit ${cmd.name()}`;
  cmd
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout(s),
      writeErr: (s) => io.stderr(s),
      outputError: (s, write) => write(usageMessage(name, s)),
    })
    .showHelpAfterError(`(run segkit ${cmd.name() === 'segkit' ? '' : `${cmd.name()} `}--help for usage)`);
  for (const sub of cmd.commands) configure(sub, io);
}

/**
 * Refuses a single-valued option given more than once (commander would keep the last one silently, so
 * `--json a.json --json b.json` wrote only b.json). Options that collect their repeats (`compare --pred`,
 * `--state`) hold arrays and may repeat; flags without a value may too.
 * @example segkit eval … --json a.json --json b.json // segkit eval: --json must be given once; got 'a.json' and 'b.json'.
 */
function checkRepeatedOptions(cmd: Command, argv: readonly string[]): void {
  const values = cmd.opts();
  for (const o of cmd.options) {
    if ((!o.required && !o.optional) || Array.isArray(values[o.attributeName()])) continue;
    const given: string[] = [];
    argv.forEach((a, i) => {
      if (a === o.long || a === o.short) given.push(argv[i + 1] ?? '');
      else if (o.long && a.startsWith(`${o.long}=`)) given.push(a.slice(o.long.length + 1));
    });
    if (given.length > 1) {
      const got = given.map((v) => `'${v}'`);
      cmd.error(
        `error: ${o.long ?? o.short} must be given once; got ${got.slice(0, -1).join(', ')} and ${got[got.length - 1]}.`,
        { exitCode: EXIT.usage, code: 'segkit.repeatedOption' },
      );
    }
  }
}

/**
 * Refuses an option the subcommand does not know before commander checks the required ones: commander answers
 * `segkit eval --bogus` with "--gt is required", which sends the user after the wrong option. Option values
 * (the token after an option that takes one, negative numbers included) and everything after `--` are skipped.
 * @example segkit eval --bogus // segkit eval: unknown option '--bogus'.
 */
function checkUnknownOptions(cmd: Command, args: readonly string[]): void {
  const known = new Map<string, boolean>();
  for (const o of cmd.options) {
    for (const flag of [o.long, o.short]) if (flag) known.set(flag, o.required);
  }
  known.set('-h', false).set('--help', false);
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') return;
    if (!a.startsWith('-') || a === '-') continue;
    const flag = a.startsWith('--') ? a.split('=')[0] : a.slice(0, 2);
    if (!known.has(flag)) {
      cmd.error(`error: unknown option '${flag}'`, { exitCode: EXIT.usage, code: 'commander.unknownOption' });
    }
    // A required value is the next token unless given as --flag=value (or -xvalue).
    if (known.get(flag) && a === flag) i++;
  }
}

/** The `segkit` command with its subcommands, writing through `ctx.io`. */
export function buildProgram(ctx: CommandContext): Command {
  const program = new Command('segkit')
    .description('Segmentation losses and metrics: train demo, evaluate folders of masks, class weights.')
    .version(VERSION)
    .addHelpText('after', EXIT_CODES_HELP);
  program.addCommand(demoCommand(ctx.io));
  program.addCommand(evalCommand(ctx));
  program.addCommand(mergeCommand(ctx));
  program.addCommand(compareCommand(ctx));
  program.addCommand(weightsCommand(ctx));
  configure(program, ctx.io);
  return program;
}

/**
 * Runs `segkit` with the arguments after the program name.
 * @returns 0 success, 1 data error, 2 usage error.
 * @example process.exitCode = await run(process.argv.slice(2))
 */
export async function run(argv: readonly string[], io: CliIO = processContext().io): Promise<number> {
  const ctx: CommandContext = { io, exitCode: EXIT.ok };
  const program = buildProgram(ctx);
  program.hook('preAction', (_, action) => checkRepeatedOptions(action, argv));
  program.hook('preSubcommand', (_, sub) =>
    checkUnknownOptions(sub, argv.slice(argv.indexOf(sub.name()) + 1)),
  );
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    io.stderr(`segkit: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT.data;
  }
  if (program.args.length === 0 && argv.length === 0) {
    program.outputHelp({ error: true });
    return EXIT.usage;
  }
  return ctx.exitCode || Number(process.exitCode ?? 0);
}
