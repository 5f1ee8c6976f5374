// Types of scripts/wasm/elementwise.mjs (the WebAssembly text of the elementwise losses' kernels).
export declare const ELEMENTWISE_LAYOUT: Readonly<Record<string, number>>;
export declare function elementwiseKernelsWat(): string;
export declare function buildElementwiseKernels(): Promise<Uint8Array>;
export declare function elementwiseBytesModule(bytes: Uint8Array): string;
