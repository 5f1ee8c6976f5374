import { Command } from 'commander';

const notYet = (name: string) => () => {
  process.stderr.write(`segkit ${name}: not implemented yet\n`);
  process.exitCode = 1;
};

/** `segkit eval` (placeholder). */
export function evalCommand(): Command {
  return new Command('eval')
    .description('evaluate folders of masks (not yet available)')
    .action(notYet('eval'));
}

/** `segkit merge` (placeholder). */
export function mergeCommand(): Command {
  return new Command('merge').description('merge shard states (not yet available)').action(notYet('merge'));
}

/** `segkit weights` (placeholder). */
export function weightsCommand(): Command {
  return new Command('weights')
    .description('class weights from masks (not yet available)')
    .action(notYet('weights'));
}
