// Types of scripts/trim-source-maps.mjs (source maps without the text of the generated *.bytes.ts modules).
export declare const GENERATED_SOURCE: RegExp;
export declare function trimSourceMaps(dir: string): number;
