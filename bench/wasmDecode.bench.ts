/**
 * What decoding the embedded WebAssembly modules costs (it runs once per module and process, on first use):
 * `base64Bytes` (src/core/kernels/wasmModule.ts, the bytes as the package stores them now) against the hex
 * decoder it replaced (the loop below, as the core had it until the package was made smaller), and `atob` (with
 * the copy of its binary string into bytes) for comparison. Timed interleaved in one process, medians; one JSON
 * line per (module, decoder), with the ratio to the hex decoder of the same run in `vs_hex`. (Compiling is not
 * timed here: V8 caches a module by its bytes, so only a process's first compile would be real.)
 * `npm run bench -- wasmDecode`.
 */
import { ELEMENTWISE_KERNELS_BASE64 } from '../src/core/kernels/elementwiseWasm.bytes.js';
import { SOFTMAX_KERNELS_BASE64 } from '../src/core/kernels/softmaxWasm.bytes.js';
import { base64Bytes } from '../src/core/kernels/wasmModule.js';
import { emit, timeInterleaved } from './harness.js';

/** The hex decoder of the core before the base64 encoding (two digits per byte, parseInt of each pair). */
function hexBytes(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

const toHex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

const CASES: Record<string, string> = {
  elementwise: ELEMENTWISE_KERNELS_BASE64,
  softmax_c4: SOFTMAX_KERNELS_BASE64[4],
};

let sink = 0;
for (const [name, base64] of Object.entries(CASES)) {
  const bytes = base64Bytes(base64);
  const hex = toHex(bytes);
  const t = await timeInterleaved(
    {
      hex: () => (sink += hexBytes(hex)[7]),
      base64: () => (sink += base64Bytes(base64)[7]),
      atob: () => (sink += Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))[7]),
    },
    20,
    200,
  );
  for (const [impl, timing] of Object.entries(t)) {
    emit(`wasm_decode_${name}`, impl, bytes.length, timing, {
      module_bytes: bytes.length,
      text_chars: impl === 'hex' ? hex.length : base64.length,
      vs_hex: Math.round((timing.median_ms / t.hex.median_ms) * 1000) / 1000,
    });
  }
}
if (sink === 0.5) console.error(sink);
