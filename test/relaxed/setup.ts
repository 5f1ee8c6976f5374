// Setup of the vitest project 'relaxed' (vitest.config.ts): its test files run in a Node started with
// --experimental-wasm-relaxed-simd, so the softmax-region, elementwise and binary modules take their
// relaxed-SIMD bytes. After each file: something ran relaxed (a module through instantiateBase64, or a test
// module assembled by test/helpers/relaxedWat.ts) and none of these modules fell back to the SIMD128 bytes.
// test/relaxed/*.test.ts switch relaxed SIMD off on purpose and check their paths themselves.
import { afterAll, expect } from 'vitest';
import { relaxedInstantiations } from '../../src/core/kernels/wasmModule.js';
import { RELAXED_PROJECT, relaxedBuilds } from '../helpers/relaxedWat.js';

afterAll(() => {
  expect(RELAXED_PROJECT).toBe(true);
  if ((globalThis as { segkitSwitchesRelaxed?: boolean }).segkitSwitchesRelaxed) return;
  const n = relaxedInstantiations();
  expect(n.relaxed + relaxedBuilds()).toBeGreaterThan(0);
  expect(n.simd).toBe(0);
});
