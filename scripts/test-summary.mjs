#!/usr/bin/env node
// Prints one plain closing line from Vitest's JSON report ("tests: N passed, N failed, N skipped"), so that
// any CI log reader sees the counts; exits non-zero when a test failed or none ran.
import { readFileSync } from 'node:fs';

const report = JSON.parse(readFileSync('.vitest/results.json', 'utf8'));
const passed = report.numPassedTests;
const failed = report.numFailedTests;
const skipped = report.numPendingTests + report.numTodoTests;
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
