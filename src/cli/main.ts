#!/usr/bin/env node
// The `segkit` command. Subcommands: demo, eval, weights, merge.
console.error('segkit: no command yet');
process.exit(2);
