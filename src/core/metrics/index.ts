// Re-exports of src/core/metrics: one line per public file.
export {};
