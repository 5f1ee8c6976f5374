import { Command } from 'commander';

/** `segkit demo`: placeholder until the TensorFlow.js demo lands. */
export function demoCommand(): Command {
  return new Command('demo')
    .description('train a small U-Net on built-in data (not yet available)')
    .action(() => {
      process.stderr.write('segkit demo: not implemented yet\n');
      process.exitCode = 1;
    });
}
