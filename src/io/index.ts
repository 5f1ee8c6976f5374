/**
 * segkit/io — Node-only readers for mask files (PNG, NIfTI).
 * @packageDocumentation
 */
export {};
