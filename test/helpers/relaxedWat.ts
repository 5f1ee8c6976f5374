/**
 * Assembles the WebAssembly text of a test module for this run: as written (SIMD128) in the default vitest
 * project, through scripts/wasm/relaxed.mjs (fused multiply-adds, lane selects) in the 'relaxed' project
 * (SEGKIT_RELAXED=1, see vitest.config.ts), where the runtime must accept relaxed SIMD. Counts the relaxed
 * builds so that test/relaxed/setup.ts can check that a file ran them.
 */
// @ts-expect-error: a plain .mjs build script without type declarations.
import { assembleWat } from '../../scripts/wasm/assemble.mjs';
// @ts-expect-error: a plain .mjs build script without type declarations.
import { relaxWat } from '../../scripts/wasm/relaxed.mjs';

/** True in the vitest project 'relaxed'. */
export const RELAXED_PROJECT = process.env.SEGKIT_RELAXED === '1';

let builds = 0;

/** How many modules this file assembled in their relaxed form. */
export function relaxedBuilds(): number {
  return builds;
}

/** The bytes of `wat`, relaxed in the 'relaxed' project (which must rewrite at least one instruction). */
export async function assembleForProject(name: string, wat: string): Promise<Uint8Array<ArrayBuffer>> {
  if (!RELAXED_PROJECT) return (await assembleWat(name, wat)) as Uint8Array<ArrayBuffer>;
  const { text, counts } = relaxWat(wat) as { text: string; counts: Record<string, number> };
  if (counts.madd + counts.nmadd + counts.laneselect === 0) throw new Error(`${name}: nothing to relax`);
  const bytes = (await assembleWat(name, text, true)) as Uint8Array<ArrayBuffer>;
  if (!WebAssembly.validate(bytes)) throw new Error(`${name}: this runtime refuses relaxed SIMD`);
  builds++;
  return bytes;
}
