/**
 * The WebAssembly modules are stored as base64 (scripts/wasm/assemble.mjs `base64Module`) and decoded by the
 * core's own `base64Bytes` (src/core/kernels/wasmModule.ts, no atob or Buffer in the core): it decodes RFC 4648
 * base64 as Node's Buffer does, refuses anything else with a RangeError, and every committed module decodes to
 * exactly the bytes the generator assembles.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs build script without type declarations.
import { buildRegionKernels, buildRelaxedKernels, buildSoftmaxKernels } from '../../scripts/build-wasm.mjs';
import { buildBinaryKernels } from '../../scripts/wasm/binary.mjs';
import { buildElementwiseKernels } from '../../scripts/wasm/elementwise.mjs';
import { BINARY_RELAXED_BASE64 } from '../../src/core/kernels/binaryRelaxed.bytes.js';
import { BINARY_KERNELS_BASE64 } from '../../src/core/kernels/binaryWasm.bytes.js';
import { ELEMENTWISE_RELAXED_BASE64 } from '../../src/core/kernels/elementwiseRelaxed.bytes.js';
import { ELEMENTWISE_KERNELS_BASE64 } from '../../src/core/kernels/elementwiseWasm.bytes.js';
import { REGION_KERNELS_BASE64 } from '../../src/core/kernels/regionWasm.bytes.js';
import { SOFTMAX_RELAXED_BASE64 } from '../../src/core/kernels/softmaxRelaxed.bytes.js';
import { SOFTMAX_KERNELS_BASE64 } from '../../src/core/kernels/softmaxWasm.bytes.js';
import { base64Bytes } from '../../src/core/kernels/wasmModule.js';

const decode = (text: string): number[] => Array.from(base64Bytes(text));

describe('base64Bytes(text)', () => {
  it('decodes groups of 4 characters into 3 bytes, and the padded last group into 2 or 1', () => {
    // 'T' = 19, 'W' = 22, 'F' = 5, 'u' = 46: 19·2^18 + 22·2^12 + 5·2^6 + 46 = 0x4d616e = 'M', 'a', 'n'.
    expect(decode('TWFu')).toEqual([0x4d, 0x61, 0x6e]);
    expect(decode('TWE=')).toEqual([0x4d, 0x61]);
    expect(decode('TQ==')).toEqual([0x4d]);
    expect(decode('')).toEqual([]);
    // 'A' = 0, 'G' = 6, 'F' = 5, 'z' = 51, 'b' = 27, 'Q' = 16: "\0asm", the magic number of a WebAssembly module.
    expect(decode('AGFzbQ==')).toEqual([0, 0x61, 0x73, 0x6d]);
    // '+' = 62 and '/' = 63: all ones.
    expect(decode('////')).toEqual([255, 255, 255]);
    expect(decode('++++')).toEqual([0xfb, 0xef, 0xbe]);
  });

  it('is the inverse of base64 encoding for any bytes (seeded property, every padding)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 70 }), (bytes) => {
        const text = Buffer.from(bytes).toString('base64');
        expect(base64Bytes(text)).toEqual(bytes);
      }),
      { seed: 20261204, numRuns: 300 },
    );
  });

  it('refuses a length that is not a multiple of 4 (RangeError)', () => {
    expect(() => base64Bytes('TWFuT')).toThrow(RangeError);
    expect(() => base64Bytes('TWFuT')).toThrow(
      /^base64Bytes: text must be base64 padded to 4k characters; got 5 characters\.$/,
    );
  });

  it('refuses characters outside the alphabet, padding inside the text, and non-ASCII look-alikes', () => {
    const bad: [string, string, number][] = [
      ['TW=u', '=', 2],
      ['TWF-', '-', 3], // the URL-safe alphabet is not the one written
      ['TW u', ' ', 2],
      ['TWFu====', '=', 4],
      // 'Ł' is U+0141: its low 7 bits are those of 'A', which a table lookup by code & 127 would take.
      ['TWFuŁAAA', 'Ł', 4],
    ];
    for (const [text, ch, at] of bad) {
      expect(() => base64Bytes(text), text).toThrow(RangeError);
      expect(() => base64Bytes(text), text).toThrow(
        `base64Bytes: text must hold only the base64 alphabet and its final padding; got ${JSON.stringify(ch)} at ${at}.`,
      );
    }
  });
});

describe('the committed WebAssembly modules, decoded', () => {
  it('are byte for byte the modules scripts/build-wasm.mjs assembles, plain and relaxed', async () => {
    const pairs: [string, string, Uint8Array][] = [
      ['region', REGION_KERNELS_BASE64, (await buildRegionKernels()) as Uint8Array],
      ['elementwise', ELEMENTWISE_KERNELS_BASE64, (await buildElementwiseKernels()) as Uint8Array],
      ['binary', BINARY_KERNELS_BASE64, (await buildBinaryKernels()) as Uint8Array],
    ];
    const softmax = (await buildSoftmaxKernels()) as Record<number, Uint8Array>;
    expect(Object.keys(SOFTMAX_KERNELS_BASE64)).toEqual(Object.keys(softmax));
    for (const [C, bytes] of Object.entries(softmax)) {
      pairs.push([`softmax C=${C}`, SOFTMAX_KERNELS_BASE64[Number(C)], bytes]);
    }
    const relaxed = (await buildRelaxedKernels()) as {
      file: string;
      modules: Uint8Array | Record<number, Uint8Array>;
    }[];
    const committedRelaxed: Record<string, string | Readonly<Record<number, string>>> = {
      'elementwiseRelaxed.bytes.ts': ELEMENTWISE_RELAXED_BASE64,
      'binaryRelaxed.bytes.ts': BINARY_RELAXED_BASE64,
      'softmaxRelaxed.bytes.ts': SOFTMAX_RELAXED_BASE64,
    };
    expect(relaxed.map((r) => r.file.replace(/^.*[\\/]/, '')).sort()).toEqual(
      Object.keys(committedRelaxed).sort(),
    );
    for (const { file, modules } of relaxed) {
      const name = file.replace(/^.*[\\/]/, '');
      const committed = committedRelaxed[name];
      if (modules instanceof Uint8Array) pairs.push([name, committed as string, modules]);
      else {
        const byC = committed as Readonly<Record<number, string>>;
        expect(Object.keys(byC), name).toEqual(Object.keys(modules));
        for (const [C, bytes] of Object.entries(modules))
          pairs.push([`${name} C=${C}`, byC[Number(C)], bytes]);
      }
    }
    // region, elementwise, binary, 7 softmax (C = 2…8), and their relaxed variants but region's.
    expect(pairs.length).toBe(3 + 2 * Object.keys(softmax).length + 2);
    for (const [name, text, bytes] of pairs) {
      const decoded = base64Bytes(text);
      expect(decoded.length, name).toBe(bytes.length);
      expect(Buffer.compare(Buffer.from(decoded), Buffer.from(bytes)), name).toBe(0);
      // Each starts with the module magic and version: "\0asm", 1.
      expect(Array.from(decoded.subarray(0, 8)), name).toEqual([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
    }
  });
});
