#!/usr/bin/env node
/**
 * The `segkit` command: argument parsing and exit codes only; each subcommand lives in its own folder and
 * exports a commander `Command`.
 * Exit codes: 0 success, 1 data error, 2 usage error.
 */
import { Command, CommanderError } from 'commander';
import { demoCommand } from './demo/command.js';
import { evalCommand, mergeCommand, weightsCommand } from './eval/command.js';
import { VERSION } from './version.js';

const program = new Command('segkit')
  .description('Segmentation losses and metrics: train demo, evaluate folders of masks, class weights.')
  .version(VERSION)
  .exitOverride()
  .showHelpAfterError();

program.addCommand(demoCommand());
program.addCommand(evalCommand());
program.addCommand(mergeCommand());
program.addCommand(weightsCommand());

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode === 0 ? 0 : 2;
  } else {
    process.stderr.write(`segkit: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}
