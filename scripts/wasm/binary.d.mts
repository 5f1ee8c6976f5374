// Types of scripts/wasm/binary.mjs (the WebAssembly text of the binary cross-entropy and focal kernels).
export declare const BINARY_LAYOUT: Readonly<Record<string, number>>;
export declare const MAX_P: number;
export declare function binaryKernelName(
  kind: 'bce' | 'focalProb' | 'sigmoid' | 'softBce',
  gamma2: boolean,
  P: number,
): string;
export declare function binaryKernelsWat(): string;
export declare function buildBinaryKernels(): Promise<Uint8Array>;
export declare function binaryBytesModule(bytes: Uint8Array): string;
