#!/usr/bin/env node
/**
 * The `segkit` command: runs the program (see `program.ts`) on the process's arguments.
 * Exit codes: 0 success, 1 data error, 2 usage error.
 */
import { run } from './program.js';

process.exitCode = await run(process.argv.slice(2));
