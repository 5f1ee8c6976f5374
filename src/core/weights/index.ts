// Re-exports of src/core/weights: one line per public file.
export {};
