// Assembling WebAssembly text with wabt, and the generated TypeScript modules that hold the bytes as hex: one
// place for every kernel module of scripts/build-wasm.mjs (region, elementwise, binary, softmax region, and the
// relaxed-SIMD variants).

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

/** Hex of bytes, split into lines of 96 digits, each `indent`-ed and quoted as a TypeScript string element. */
function hexLines(bytes, indent) {
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return hex
    .match(/.{1,96}/g)
    .map((l) => `${indent}'${l}',`)
    .join('\n');
}

/**
 * The generated TypeScript module: the comment line `header`, the TSDoc `doc`, and `export const name`, the hex
 * of `bytes` (one module's Uint8Array), or of each module of a record `{ C: Uint8Array }` by channel count.
 */
export function hexModule(header, doc, name, bytes) {
  const head = `${header}\n/** ${doc} */\n`;
  if (bytes instanceof Uint8Array) {
    return `${head}export const ${name} = [
${hexLines(bytes, '  ')}
].join('');
`;
  }
  const entries = Object.entries(bytes).map(([C, b]) => `  ${C}: [\n${hexLines(b, '    ')}\n  ].join(''),`);
  return `${head}export const ${name}: Readonly<Record<number, string>> = {
${entries.join('\n')}
};
`;
}
