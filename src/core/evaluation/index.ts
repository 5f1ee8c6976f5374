// Re-exports of src/core/evaluation: one line per public file.
export {};
