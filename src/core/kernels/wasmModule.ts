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

// The module lifecycle that the four drivers (region, softmax-region, elementwise, binary) share:
// LazyKernels (instantiate on first use, per key and relaxed setting; the on/off switch and size threshold),
// ModuleMemory (views made again after the memory grows) and scratchBlocks. What stays in each driver: its
// memory layout and views, its kernels' signatures, its path counters for tests (docs/notes/issue-10-drivers.md).

/** The memory of an instantiated module. */
export type WasmMemory = WasmExports['memory'];

/** Options of {@link LazyKernels}. */
export interface LazyKernelsOptions {
  /**
   * Whether the module has a relaxed-SIMD variant (`instantiateHex(hex, relaxedHex)`): then one instance is kept
   * per setting of the relaxed switch, so that switching back and forth instantiates nothing again; without one,
   * a single instance serves both settings. @default true
   */
  relaxed?: boolean;
}

/**
 * A driver's kernel modules, instantiated on first use, with the on/off switch and the size threshold that tests
 * and benchmarks use to compare them with the JS kernels. One instance per key (a driver with one module uses
 * key 0; the softmax-region driver has one module per channel count C and uses C) and, for modules with a
 * relaxed-SIMD variant, per setting of the relaxed switch ([0] off, [1] on: {@link relaxedSimdEnabled}). A
 * module that cannot be instantiated here is remembered as null: it is tried once. Shared by the region,
 * softmax-region, elementwise and binary drivers.
 * @example const mod = new LazyKernels(() => instantiate(), 8192); const k = mod.get(); // null: use JS
 */
export class LazyKernels<K> {
  /** The kernels by key, instantiated with relaxed SIMD switched off [0] and on [1]. */
  private readonly values: (K | null | undefined)[][] = [[], []];
  private readonly relaxed: boolean;
  private enabled = true;
  /** Below this many elements a call stays on the JS kernels. */
  minElements: number;

  /**
   * @param make - instantiates the module of a key (its exports typed for the driver), or returns null where
   *   it cannot run.
   * @param defaultMin - the size threshold (elements) while tests and benchmarks have not set another.
   */
  constructor(
    private readonly make: (key: number) => K | null,
    private readonly defaultMin: number,
    options: LazyKernelsOptions = {},
  ) {
    this.minElements = defaultMin;
    this.relaxed = options.relaxed ?? true;
  }

  /** The kernels of `key` (@default 0), or null when turned off or not instantiable here. */
  get(key = 0): K | null {
    if (!this.enabled) return null;
    const byKey = this.values[this.relaxed && relaxedSwitch.on ? 1 : 0];
    let k = byKey[key];
    if (k === undefined) k = byKey[key] = this.make(key);
    return k;
  }

  /** Turns the kernels off (or back on) and sets the size from which they are used. */
  set(on: boolean, fromElements = this.defaultMin): void {
    this.enabled = on;
    this.minElements = fromElements;
  }
}

const PAGE = 65536;

/**
 * A module's memory and the views its driver keeps of it, made again when the memory grows (growing detaches
 * the old buffer: every view of it then reads as empty). For drivers whose memory grows with the input (the
 * region driver's masks, the softmax-region driver's bit record and held softmax).
 * @example
 * const mem = new ModuleMemory(memory, (b) => ({ acc: new Float64Array(b, 0, 16) }));
 * mem.reserve(3 * 65536); // true; mem.views.acc is a view of the grown buffer
 */
export class ModuleMemory<V> {
  /** The views of the memory's current buffer. */
  views: V;

  constructor(
    readonly memory: WasmMemory,
    private readonly viewsOf: (buffer: ArrayBuffer) => V,
  ) {
    this.views = viewsOf(memory.buffer);
  }

  /**
   * Grows the memory so that bytes [0, bytes) are addressable (by whole 64 KiB pages; it never shrinks) and
   * makes the views again; false when it cannot grow (the memory and the views stay as they were).
   */
  reserve(bytes: number): boolean {
    const have = this.memory.buffer.byteLength;
    if (bytes <= have) return true;
    try {
      this.memory.grow(Math.ceil((bytes - have) / PAGE));
    } catch {
      return false;
    }
    this.views = this.viewsOf(this.memory.buffer);
    return true;
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
