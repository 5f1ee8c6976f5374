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
  validate(bytes: Uint8Array): boolean;
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
 * Whether modules with relaxed-SIMD bytes take them (setRelaxedSimd in backend.ts). Kept on `globalThis` under
 * a registered symbol, so that every copy of the core in one process obeys one switch: the CommonJS builds
 * `dist/index.cjs` and `dist/tfjs.cjs` each bundle their own copy, and `require('segkit').setRelaxedSimd(false)`
 * must reach the kernels that `segkit/tfjs` runs too.
 */
const relaxedSwitch: { on: boolean } = ((globalThis as Record<symbol, unknown>)[
  Symbol.for('segkit.relaxedSimd')
] ??= { on: true }) as { on: boolean };
/** Per relaxed hex string: false once this runtime refused it (no relaxed SIMD, or it failed to compile). */
const relaxedOk = new Map<string, boolean>();

/** Turns the relaxed-SIMD bytes on or off for modules instantiated from now on (the public switch is in backend.ts). */
export function setRelaxedSimdEnabled(on: boolean): void {
  relaxedSwitch.on = on;
}

/** Whether modules instantiated now take their relaxed-SIMD bytes where the runtime accepts them. */
export function relaxedSimdEnabled(): boolean {
  return relaxedSwitch.on;
}

/**
 * True when `instantiateHex(hex, relaxedHex)` takes the relaxed bytes here and now: relaxed SIMD is switched
 * on and `WebAssembly.validate` accepts them (Node ≥ 22, Chromium ≥ 114, Node 20 with
 * `--experimental-wasm-relaxed-simd`), and they did not fail to compile before.
 */
export function relaxedSimd(relaxedHex: string): boolean {
  if (!relaxedSwitch.on) return false;
  let ok = relaxedOk.get(relaxedHex);
  if (ok === undefined) {
    const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
    try {
      ok = wasm !== undefined && wasm.validate(hexBytes(relaxedHex));
    } catch {
      ok = false;
    }
    relaxedOk.set(relaxedHex, ok);
  }
  return ok;
}

function instantiateBytes(hex: string): WasmExports | null {
  const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
  if (!wasm) return null;
  try {
    return new wasm.Instance(new wasm.Module(hexBytes(hex)), {}).exports;
  } catch {
    return null;
  }
}

/**
 * The exports of the module whose bytes `hex` holds, or null where it cannot run: no WebAssembly, no SIMD, a
 * content security policy without 'wasm-unsafe-eval', or a main thread that refuses synchronous compilation.
 * Callers then use their JS kernels. With `relaxedHex`, the module's relaxed-SIMD variant (the same text with
 * fused multiply-adds and lane selects, scripts/wasm/relaxed.mjs), that variant is taken first where
 * {@link relaxedSimd} says so; where it fails to compile, `hex` is.
 */
export function instantiateHex(hex: string, relaxedHex?: string): WasmExports | null {
  if (relaxedHex !== undefined && relaxedSimd(relaxedHex)) {
    const exports = instantiateBytes(relaxedHex);
    if (exports) {
      instantiated.relaxed++;
      return exports;
    }
    relaxedOk.set(relaxedHex, false);
  }
  const exports = instantiateBytes(hex);
  if (exports && relaxedHex !== undefined) instantiated.simd++;
  return exports;
}

/** Modules with a relaxed variant instantiated so far, by the bytes they took. */
const instantiated = { relaxed: 0, simd: 0 };

/** How many modules with a relaxed-SIMD variant were instantiated with each byte set: lets tests check. @internal */
export function relaxedInstantiations(): { relaxed: number; simd: number } {
  return { ...instantiated };
}

/**
 * A kernel module instantiated on first use, with the switch and size threshold that tests and benchmarks use to
 * compare it with the JS kernels. Shared by the elementwise and binary drivers.
 * @example const mod = new LazyKernels(() => instantiate(), 8192); const k = mod.get(); // null: use JS
 */
export class LazyKernels<K> {
  /** The kernels instantiated with relaxed SIMD switched off [0] and on [1] (relaxedSimdEnabled). */
  private readonly values: (K | null | undefined)[] = [undefined, undefined];
  private enabled = true;
  /** Below this many elements a call stays on the JS kernels. */
  minElements: number;

  constructor(
    private readonly make: () => K | null,
    private readonly defaultMin: number,
  ) {
    this.minElements = defaultMin;
  }

  /** The kernels, or null when turned off or not instantiable here. */
  get(): K | null {
    if (!this.enabled) return null;
    const i = relaxedSwitch.on ? 1 : 0;
    if (this.values[i] === undefined) this.values[i] = this.make();
    return this.values[i] ?? null;
  }

  /** Turns the kernels off (or back on) and sets the size from which they are used. */
  set(on: boolean, fromElements = this.defaultMin): void {
    this.enabled = on;
    this.minElements = fromElements;
  }
}

/**
 * The three float32 scratch blocks (`size` entries each, back to back from byte `at`) a streaming driver uses.
 * @example scratchBlocks(new ArrayBuffer(65536), 16384, 4).s1.byteOffset // 16400
 */
export function scratchBlocks(
  buffer: ArrayBuffer,
  at: number,
  size: number,
): { s0: Float32Array; s1: Float32Array; s2: Float32Array } {
  return {
    s0: new Float32Array(buffer, at, size),
    s1: new Float32Array(buffer, at + 4 * size, size),
    s2: new Float32Array(buffer, at + 8 * size, size),
  };
}
