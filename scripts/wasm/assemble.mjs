// Assembling WebAssembly text with wabt, and the generated TypeScript modules that hold the bytes as base64:
// one place for every kernel module of scripts/build-wasm.mjs (region, elementwise, binary, softmax region, and the
// relaxed-SIMD variants).

import { Buffer } from 'node:buffer';

/** wabt's features for the plain SIMD128 bytes and for the relaxed ones. */
export const WABT_FEATURES = { simd: { simd: true }, relaxed: { simd: true, relaxed_simd: true } };

/** Assembles WebAssembly text with wabt (plain SIMD128, or with relaxed SIMD when `relaxed`); returns its bytes. */
export async function assembleWat(name, wat, relaxed = false) {
  const wabt = await (await import('wabt')).default();
  const mod = wabt.parseWat(name, wat, relaxed ? WABT_FEATURES.relaxed : WABT_FEATURES.simd);
  try {
    mod.validate();
    return Uint8Array.from(mod.toBinary({}).buffer);
  } finally {
    mod.destroy();
  }
}

/** Characters of base64 per generated line: a multiple of 4, and 4 + 2 + 100 + 2 columns fit prettier's 110. */
const LINE = 100;

/**
 * The base64 (RFC 4648 §4, padded) of bytes as a chain of quoted lines, `'…' +`, each `indent`-ed. esbuild folds
 * the chain into one string literal in the bundles; src/core/kernels/wasmModule.ts `base64Bytes` decodes it.
 */
function base64Lines(bytes, indent) {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  const lines = [];
  for (let i = 0; i < text.length; i += LINE) lines.push(text.slice(i, i + LINE));
  // After the first GROUP lines, each further GROUP lines form one parenthesized chain (written as prettier
  // formats it), so that no `+` chain is longer than GROUP + a few: typescript-eslint's parser overflows its
  // stack on a single chain of 800–900 operands.
  const groups = [];
  for (let i = 0; i < lines.length; i += GROUP) groups.push(lines.slice(i, i + GROUP));
  return groups
    .map((g, k) =>
      k === 0
        ? g.map((l) => `${indent}'${l}'`).join(' +\n')
        : `${indent}(${g.map((l) => `'${l}'`).join(` +\n${indent}  `)})`,
    )
    .join(' +\n');
}

/** Lines of base64 per `+` chain of a generated module (modules up to 45 KB stay one chain, as before). */
const GROUP = 600;

/**
 * The generated TypeScript module: the comment line `header`, the TSDoc `doc`, and `export const name`, the base64
 * of `bytes` (one module's Uint8Array), or of each module of a record `{ C: Uint8Array }` by channel count. Base64
 * takes 4 characters per 3 bytes where hex took 6 (the package carries each module twice: ESM and CommonJS).
 */
export function base64Module(header, doc, name, bytes) {
  const head = `${header}\n/** ${doc} */\n`;
  if (bytes instanceof Uint8Array) {
    return `${head}export const ${name} =
${base64Lines(bytes, '  ')};
`;
  }
  const entries = Object.entries(bytes).map(([C, b]) => `  ${C}:\n${base64Lines(b, '    ')},`);
  return `${head}export const ${name}: Readonly<Record<number, string>> = {
${entries.join('\n')}
};
`;
}
