/**
 * scripts/wasm/relaxed.mjs: the S-expression rewrite that makes the relaxed-SIMD variant of a module's
 * WebAssembly text (a·b + c → relaxed_madd, c − a·b → relaxed_nmadd, bitselect over a comparison mask →
 * relaxed_laneselect), what it must leave alone (f64x2, masks that are not comparisons, operands it may not
 * move), and the committed relaxed bytes in sync with it.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs build script without type declarations.
import { buildRelaxedKernels } from '../../scripts/build-wasm.mjs';
import { binaryKernelsWat } from '../../scripts/wasm/binary.mjs';
import { elementwiseKernelsWat } from '../../scripts/wasm/elementwise.mjs';
// @ts-expect-error: a plain .mjs build script without type declarations.
import { assembleWat } from '../../scripts/wasm/assemble.mjs';
import {
  maskLanes,
  parseSexp,
  printSexp,
  relaxWat,
  // @ts-expect-error: a plain .mjs build script without type declarations.
} from '../../scripts/wasm/relaxed.mjs';
// @ts-expect-error: a plain .mjs build script without type declarations.
import { MAX_C, softmaxRegionWat } from '../../scripts/wasm/softmaxRegion.mjs';

interface Relaxed {
  text: string;
  counts: { madd: number; nmadd: number; laneselect: number; kept: number };
}
const relax = (wat: string): Relaxed => relaxWat(wat) as Relaxed;
/** The one-line form of WebAssembly text (what printSexp prints below module level). */
const flat = (wat: string): string => (printSexp(parseSexp(wat)) as string).trim();

const a = '(local.get $a)';
const b = '(local.get $b)';
const c = '(local.get $c)';

describe('relaxWat rewrites f32x4 multiply-adds', () => {
  it('(f32x4.add (f32x4.mul a b) c) → (f32x4.relaxed_madd a b c)', () => {
    const r = relax(`(f32x4.add (f32x4.mul ${a} ${b}) ${c})`);
    expect(r.text.trim()).toBe(`(f32x4.relaxed_madd ${a} ${b} ${c})`);
    expect(r.counts).toEqual({ madd: 1, nmadd: 0, laneselect: 0, kept: 0 });
  });

  it('the product second: (f32x4.add c (f32x4.mul a b)) → (f32x4.relaxed_madd a b c)', () => {
    const r = relax(`(f32x4.add ${c} (f32x4.mul ${a} ${b}))`);
    expect(r.text.trim()).toBe(`(f32x4.relaxed_madd ${a} ${b} ${c})`);
    expect(r.counts.madd).toBe(1);
  });

  it('c − a·b → (f32x4.relaxed_nmadd a b c); a·b − c is left as it is', () => {
    const r = relax(`(f32x4.sub ${c} (f32x4.mul ${a} ${b}))`);
    expect(r.text.trim()).toBe(`(f32x4.relaxed_nmadd ${a} ${b} ${c})`);
    expect(r.counts).toEqual({ madd: 0, nmadd: 1, laneselect: 0, kept: 0 });
    const keep = `(f32x4.sub (f32x4.mul ${a} ${b}) ${c})`;
    expect(relax(keep).text.trim()).toBe(keep);
    expect(relax(keep).counts).toEqual({ madd: 0, nmadd: 0, laneselect: 0, kept: 0 });
  });

  it('nested: a Horner step inside a Horner step, innermost first, both rewritten', () => {
    const horner = `(f32x4.add (f32x4.mul (f32x4.add (f32x4.mul ${a} ${b}) ${c}) ${b}) ${a})`;
    const r = relax(horner);
    expect(r.text.trim()).toBe(`(f32x4.relaxed_madd (f32x4.relaxed_madd ${a} ${b} ${c}) ${b} ${a})`);
    expect(r.counts.madd).toBe(2);
    // Both operands products: the first is fused, the second stays a product (the addend).
    const two = relax(`(f32x4.add (f32x4.mul ${a} ${b}) (f32x4.mul ${b} ${c}))`);
    expect(two.text.trim()).toBe(`(f32x4.relaxed_madd ${a} ${b} (f32x4.mul ${b} ${c}))`);
    expect(two.counts.madd).toBe(1);
  });

  it('never rewrites f64x2 (the float64 sums) nor other shapes', () => {
    const wat = [
      `(f64x2.add (f64x2.mul ${a} ${b}) ${c})`,
      `(f64x2.sub ${c} (f64x2.mul ${a} ${b}))`,
      `(f32x4.add (f64x2.mul ${a} ${b}) ${c})`,
      `(f32x4.add (f32x4.sub ${a} ${b}) ${c})`,
      `(i32x4.add (i32x4.mul ${a} ${b}) ${c})`,
      `(v128.bitselect ${a} ${b} (f64x2.lt ${a} ${b}))`,
    ].join('\n');
    const r = relax(`(module (func ${wat}))`);
    expect(r.counts).toEqual({ madd: 0, nmadd: 0, laneselect: 0, kept: 0 });
    expect(flat(r.text)).toBe(flat(`(module (func ${wat}))`));
  });

  it('keeps the order of effects: a moved operand with local.tee, a store or a call is not moved', () => {
    const teeFirst = `(f32x4.add (local.tee $c ${c}) (f32x4.mul (local.get $c) ${b}))`;
    const r1 = relax(teeFirst);
    expect(r1.text.trim()).toBe(teeFirst);
    expect(r1.counts).toEqual({ madd: 0, nmadd: 0, laneselect: 0, kept: 1 });
    const callInProduct = `(f32x4.sub ${c} (f32x4.mul (call $f ${a}) ${b}))`;
    expect(relax(callInProduct).text.trim()).toBe(callInProduct);
    expect(relax(callInProduct).counts.kept).toBe(1);
    // The product first keeps the order, so an effect there is no obstacle.
    const inOrder = relax(`(f32x4.add (f32x4.mul (local.tee $a ${a}) ${b}) ${a})`);
    expect(inOrder.counts).toEqual({ madd: 1, nmadd: 0, laneselect: 0, kept: 0 });
  });
});

describe('relaxWat rewrites bitselect only over comparison masks', () => {
  it('a comparison mask → the laneselect of its lane width', () => {
    const r = relax(`(v128.bitselect ${a} ${b} (f32x4.lt ${a} ${c}))`);
    expect(r.text.trim()).toBe(`(i32x4.relaxed_laneselect ${a} ${b} (f32x4.lt ${a} ${c}))`);
    expect(r.counts).toEqual({ madd: 0, nmadd: 0, laneselect: 1, kept: 0 });
    expect(relax(`(v128.bitselect ${a} ${b} (i8x16.eq ${a} ${c}))`).text.trim()).toBe(
      `(i8x16.relaxed_laneselect ${a} ${b} (i8x16.eq ${a} ${c}))`,
    );
  });

  it('and / or / not of comparisons of one lane width are masks; mixed widths and locals are not', () => {
    expect(maskLanes(parseSexp(`(v128.and (f32x4.gt ${a} ${b}) (f32x4.lt ${a} ${c}))`)[0])).toBe('i32x4');
    expect(maskLanes(parseSexp(`(v128.not (i16x8.eq ${a} ${b}))`)[0])).toBe('i16x8');
    expect(maskLanes(parseSexp(`(v128.or (f32x4.gt ${a} ${b}) (i8x16.eq ${a} ${c}))`)[0])).toBeNull();
    expect(maskLanes(parseSexp(`(v128.and (f32x4.gt ${a} ${b}) ${c})`)[0])).toBeNull();
    expect(maskLanes(parseSexp(`(f64x2.eq ${a} ${b})`)[0])).toBeNull();
    for (const keep of [
      `(v128.bitselect ${a} ${b} (local.get $m))`,
      `(v128.bitselect ${a} ${b} (v128.load (local.get $p)))`,
      `(v128.bitselect ${a} ${b} (f32x4.add ${a} ${b}))`,
    ]) {
      expect(relax(keep).text.trim()).toBe(keep);
      expect(relax(keep).counts.laneselect).toBe(0);
    }
  });
});

describe('relaxWat on the modules', () => {
  it('parse → print keeps comments out and strings, offsets and constants as they were (same bytes)', async () => {
    const wat = `(module ;; a comment
      (memory (export "mem;(x)") 1) (; block (; nested ;) comment ;)
      (func (export "f") (param $p i32) (result v128)
        (f32x4.add (v128.load offset=16 (local.get $p)) (v128.const f32x4 1 2.5 -0 0x1p-3))))`;
    const plain = (await assembleWat('a.wat', wat)) as Uint8Array;
    const again = (await assembleWat('b.wat', printSexp(parseSexp(wat)))) as Uint8Array;
    expect(Array.from(again)).toEqual(Array.from(plain));
    expect(() => parseSexp('(module (func)')).toThrow(/relaxWat: unbalanced \(/);
    expect(() => parseSexp('(module))')).toThrow(/relaxWat: unbalanced \)/);
  });

  it('rewrites the softmax-region (C = 2…8), elementwise and binary modules, moving no operand with an effect', () => {
    const wats: Record<string, string> = {
      elementwise: elementwiseKernelsWat(),
      binary: binaryKernelsWat(),
    };
    for (let C = 2; C <= (MAX_C as number); C++) wats[`softmax${C}`] = softmaxRegionWat(C) as string;
    for (const [name, wat] of Object.entries(wats)) {
      const { text, counts } = relax(wat);
      expect(counts.madd, name).toBeGreaterThan(50);
      expect(counts.kept, name).toBe(0);
      // Every rewrite removed one instruction: the text has one mul fewer per madd / nmadd.
      const muls = (s: string) => (s.match(/\(f32x4\.mul /g) ?? []).length;
      expect(muls(wat) - muls(text), name).toBe(counts.madd + counts.nmadd);
      const relaxedOps = (text.match(/relaxed_(madd|nmadd|laneselect) /g) ?? []).length;
      expect(relaxedOps, name).toBe(counts.madd + counts.nmadd + counts.laneselect);
      // f64x2 arithmetic is untouched.
      const f64 = (s: string) => (s.match(/\(f64x2\.[a-z_]+ /g) ?? []).length;
      expect(f64(text), name).toBe(f64(wat));
    }
  });

  it('the committed relaxed bytes match what scripts/build-wasm.mjs assembles (npm run build:wasm)', async () => {
    const outputs = (await buildRelaxedKernels()) as { file: string; text: string }[];
    expect(outputs.map((o) => o.file.replace(/.*\//, ''))).toEqual([
      'elementwiseRelaxed.bytes.ts',
      'binaryRelaxed.bytes.ts',
      'softmaxRelaxed.bytes.ts',
    ]);
    for (const { file, text } of outputs) expect(readFileSync(file, 'utf8'), file).toBe(text);
  });
});
