// Types of scripts/pkg-size.mjs (what the packed packages weigh, file by file).
export interface PackInfo {
  /** Bytes of the gzipped tarball. */
  size: number;
  unpackedSize: number;
  files: { path: string; size: number }[];
}
export interface SizeRow {
  path: string;
  size: number;
  /** Bytes of kernel-byte string literals (.js, .cjs). */
  kernels: number;
  /** Bytes of `sourcesContent` (.map), and of those the *.bytes.ts sources'. */
  sourcesContent: number;
  kernelSources: number;
}
export declare function packInfo(dir: string): PackInfo;
export declare function kernelLiteralBytes(text: string): number;
export declare function sourcesContentBytes(mapText: string): { all: number; kernels: number };
export declare function measure(dir: string): { size: number; unpackedSize: number; rows: SizeRow[] };
