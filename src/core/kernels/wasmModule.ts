/**
 * Instantiates one of the core's embedded WebAssembly modules (stored as base64 in the generated `*.bytes.ts` files)
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

const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/** Sextet of each character code below 128: 0…63 for the base64 alphabet, 64 for every other code. */
const SEXTET = new Uint8Array(128).fill(64);
for (let i = 0; i < 64; i++) SEXTET[BASE64_ALPHABET.charCodeAt(i)] = i;

/**
 * The bytes of a base64 string (RFC 4648 §4: the standard alphabet, padded with `=` to a multiple of 4
 * characters), as scripts/wasm/assemble.mjs writes the generated `*.bytes.ts` modules. Written here rather than
 * with `atob` or `Buffer`, so that the core stays dependency-free and runs wherever ECMAScript does.
 * @throws RangeError when `text` is not padded base64 (a length that is not a multiple of 4, a character outside
 * the alphabet, or `=` anywhere but at the end).
 * @example Array.from(base64Bytes('AGFzbQ==')) // [0, 97, 115, 109]: the magic number of a WebAssembly module
 * @internal
 */
export function base64Bytes(text: string): Uint8Array {
  const n = text.length;
  if (n % 4 !== 0) {
    throw new RangeError(`base64Bytes: text must be base64 padded to 4k characters; got ${n} characters.`);
  }
  const pad = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const bytes = new Uint8Array((n / 4) * 3 - pad);
  const A = 65; // 'A', sextet 0: stands for the padding of the last group
  let codes = 0; // OR of every character code: 128 or more when one is outside ASCII
  let sextets = 0; // OR of every sextet: 64 or more when a character is outside the alphabet
  let o = 0;
  for (let i = 0; i < n; i += 4) {
    const last = i + 4 === n;
    const c0 = text.charCodeAt(i);
    const c1 = text.charCodeAt(i + 1);
    const c2 = last && pad === 2 ? A : text.charCodeAt(i + 2);
    const c3 = last && pad > 0 ? A : text.charCodeAt(i + 3);
    codes |= c0 | c1 | c2 | c3;
    const s0 = SEXTET[c0 & 127];
    const s1 = SEXTET[c1 & 127];
    const s2 = SEXTET[c2 & 127];
    const s3 = SEXTET[c3 & 127];
    sextets |= s0 | s1 | s2 | s3;
    const v = (s0 << 18) | (s1 << 12) | (s2 << 6) | s3;
    bytes[o++] = v >> 16;
    if (o < bytes.length) bytes[o++] = (v >> 8) & 255;
    if (o < bytes.length) bytes[o++] = v & 255;
  }
  if (codes > 127 || sextets > 63) {
    let at = 0;
    while (at < n - pad && BASE64_ALPHABET.includes(text[at])) at++;
    throw new RangeError(
      `base64Bytes: text must hold only the base64 alphabet and its final padding; got ${JSON.stringify(text[at])} at ${at}.`,
    );
  }
  return bytes;
}

/**
 * Whether modules with relaxed-SIMD bytes take them (setRelaxedSimd in backend.ts). Kept on `globalThis` under
 * a registered symbol, so that every copy of the core in one process obeys one switch. Within one module system
 * there is one copy (`dist/index.cjs` and `dist/tfjs.cjs` require one chunk, as the ESM entries import one), but
 * a process that imports the ESM build and requires the CommonJS one (a dependency of each kind) holds two, and
 * `require('segkit').setRelaxedSimd(false)` must reach the kernels that `import('segkit/tfjs')` runs too.
 */
const relaxedSwitch: { on: boolean } = ((globalThis as Record<symbol, unknown>)[
  Symbol.for('segkit.relaxedSimd')
] ??= { on: true }) as { on: boolean };
/** Per relaxed module's base64: false once this runtime refused it (no relaxed SIMD, or it failed to compile). */
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
 * True when `instantiateBase64(base64, relaxedBase64)` takes the relaxed bytes here and now: relaxed SIMD is switched
 * on and `WebAssembly.validate` accepts them (Node ≥ 22, Chromium ≥ 114, Node 20 with
 * `--experimental-wasm-relaxed-simd`), and they did not fail to compile before.
 */
export function relaxedSimd(relaxedBase64: string): boolean {
  if (!relaxedSwitch.on) return false;
  let ok = relaxedOk.get(relaxedBase64);
  if (ok === undefined) {
    const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
    try {
      ok = wasm !== undefined && wasm.validate(base64Bytes(relaxedBase64));
    } catch {
      ok = false;
    }
    relaxedOk.set(relaxedBase64, ok);
  }
  return ok;
}

function instantiateBytes(base64: string): WasmExports | null {
  const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
  if (!wasm) return null;
  try {
    return new wasm.Instance(new wasm.Module(base64Bytes(base64)), {}).exports;
  } catch {
    return null;
  }
}

/**
 * The exports of the module whose bytes `base64` holds, or null where it cannot run: no WebAssembly, no SIMD, a
 * content security policy without 'wasm-unsafe-eval', or a main thread that refuses synchronous compilation.
 * Callers then use their JS kernels. With `relaxedBase64`, the module's relaxed-SIMD variant (the same text with
 * fused multiply-adds and lane selects, scripts/wasm/relaxed.mjs), that variant is taken first where
 * {@link relaxedSimd} says so; where it fails to compile, `base64` is.
 */
export function instantiateBase64(base64: string, relaxedBase64?: string): WasmExports | null {
  if (relaxedBase64 !== undefined && relaxedSimd(relaxedBase64)) {
    const exports = instantiateBytes(relaxedBase64);
    if (exports) {
      instantiated.relaxed++;
      return exports;
    }
    relaxedOk.set(relaxedBase64, false);
  }
  const exports = instantiateBytes(base64);
  if (exports && relaxedBase64 !== undefined) instantiated.simd++;
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
