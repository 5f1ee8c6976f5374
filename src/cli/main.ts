#!/usr/bin/env node
/**
 * The `segkit` command: runs the program (see `program.ts`) on the process's arguments.
 * Exit codes: 0 success, 1 data error, 2 usage error.
 */
import { run } from './program.js';

// A reader that stops early (`segkit eval … | head`) closes the pipe: stop quietly instead of crashing.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

process.exitCode = await run(process.argv.slice(2));
