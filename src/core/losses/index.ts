// Re-exports of src/core/losses: one line per public file.
export {};
