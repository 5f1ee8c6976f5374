/**
 * Fixtures of the adversarial CLI tests: small PNG datasets and the built binary.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { grayPng, put } from '../io/fixtures.js';

export { ensureBuilt, segkit } from '../cli/helpers.js';
export { put, tempDir } from '../io/fixtures.js';

/** A 4×4 label map of classes 0..2 that differs with `seed`. */
export function labels(seed: number): number[] {
  return Array.from({ length: 16 }, (_, i) => (i * 7 + seed * 3 + (i >> 2) * seed) % 3);
}

/**
 * Writes `n` pairs `gt/case_<i>.png`, `pred/case_<i>.png` under `root` (the prediction differs from the
 * ground truth by `shift`) and returns `root`.
 */
export function dataset(root: string, n: number, shift = 1, prefix = ''): string {
  for (let i = 0; i < n; i++) {
    const name = `${prefix}case_${String(i).padStart(3, '0')}.png`;
    put(join(root, 'gt', name), grayPng(labels(i), 4, 4));
    put(join(root, 'pred', name), grayPng(labels(i + shift), 4, 4));
  }
  return root;
}

/** The parsed JSON file. */
export const readJson = (path: string): unknown => JSON.parse(readFileSync(path, 'utf8'));

/** `eval --gt gt --pred pred --num-classes 3` followed by `extra`. */
export const evalArgs = (...extra: string[]): string[] => [
  'eval',
  '--gt',
  'gt',
  '--pred',
  'pred',
  '--num-classes',
  '3',
  '--workers',
  '0',
  ...extra,
];
