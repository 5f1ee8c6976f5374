import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: ['**/dist/**', 'node_modules/**', 'coverage/**', 'segkit-demo/**', 'bench/data/**', '**/*.cjs'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { console: 'readonly', process: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      // The core runs unchanged in a browser: no Node built-ins, no dependencies.
      'no-restricted-imports': [
        'error',
        { patterns: ['node:*', 'fs', 'path', '@tensorflow/*', '../io/*', '../cli/*', '../tfjs/*'] },
      ],
    },
  },
);
