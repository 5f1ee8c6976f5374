// Setup of the vitest project 'default' (vitest.config.ts): its files test the SIMD128 modules on every Node.
// Node ≥ 22 has relaxed SIMD on by default, so without this they would test the relaxed variants twice and the
// SIMD128 bytes, which Node 20 and older browsers run, never; the project 'relaxed' covers those variants.
import { setRelaxedSimd } from '../../src/core/backend.js';

setRelaxedSimd(false);
