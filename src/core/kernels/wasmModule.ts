/**
 * Instantiates one of the core's embedded WebAssembly modules (stored as hex in the generated `*.bytes.ts` files)
 * synchronously, with no imports. Shared by the region, elementwise and softmax kernels. The core is typed against
 * the ECMAScript library alone, so the part of the WebAssembly API used here is declared locally.
 * @module
 */

/** The exports of an instantiated module: its functions and its memory. */
export type WasmExports = Record<string, unknown> & {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
};

interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: WasmExports };
}

/** The bytes of a hex string (two digits per byte). */
function hexBytes(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

/**
 * The exports of the module whose bytes `hex` holds, or null where it cannot run: no WebAssembly, no SIMD, a
 * content security policy without 'wasm-unsafe-eval', or a main thread that refuses synchronous compilation.
 * Callers then use their JS kernels.
 */
export function instantiateHex(hex: string): WasmExports | null {
  const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
  if (!wasm) return null;
  try {
    return new wasm.Instance(new wasm.Module(hexBytes(hex)), {}).exports;
  } catch {
    return null;
  }
}
