// Types of scripts/wasm/math.mjs (vectorised exp and log for WebAssembly SIMD, as WebAssembly text).
export declare const MATH_F32X4_BOUNDS: {
  readonly expUlps: number;
  readonly expSubnormalAbs: number;
  readonly logUlps: number;
  readonly expNegUlps: number;
  readonly logPosUlps: number;
  readonly expSoftmaxUlps: number;
  readonly expSoftmaxUlpsPerUnit: number;
  readonly expSoftmaxAbs: number;
};
export declare const EXP_NEG_MIN: number;
export declare function logPosF32x4(x: string, out: string, p?: string): string;
export declare function expNegF32x4(x: string, out: string, p?: string): string;
export declare function expSoftmaxF32x4(x: string, out: string, p?: string): string;
export declare function mathLocals(p?: string): string;
export declare function expF32x4(x: string, out: string, p?: string): string;
export declare function expNegWideF32x4(x: string, out: string, p?: string): string;
export declare function logF32x4(x: string, out: string, p?: string): string;
export declare const EXP_F32X4: string;
export declare const LOG_F32X4: string;
export declare function mathFuncs(): string;
export declare const SOFTPLUS_F32X4_BOUNDS: {
  readonly softplusUlps: number;
  readonly logSigmoidUlps: number;
  readonly sigmoidUlps: number;
  readonly subnormalAbs: number;
};
export declare function softplusNegAbsF32x4(
  x: string,
  e: string,
  u: string,
  r: string,
  l: string,
  p?: string,
): string;
