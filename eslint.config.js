// Lint gate (`npm run lint`, also in CI): typescript-eslint's recommended rules plus the project's
// own habits. Formatting is Prettier's job (eslint-config-prettier turns overlapping rules off).
import js from '@eslint/js';
import globals from 'globals';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test/fixtures/**', 'examples/**', 'test-results/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      // Refusing control characters in names is the point of several regexes.
      'no-control-regex': 'off',
      'no-empty': ['error', { allowEmptyCatch: false }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
    },
  },
  {
    // Short files: a file over ~400 lines mixes concerns (docs/contributing in README).
    files: ['src/**/*.ts'],
    rules: {
      'max-lines': ['error', { max: 400, skipBlankLines: true, skipComments: true }],
      'no-console': 'error',
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['node:*'], message: 'src/core is browser-safe: no Node built-ins.' }] },
      ],
    },
  },
  {
    files: ['scripts/**/*.js', 'bench/**/*.js', 'viewer/build.js', 'bin/**/*.js', 'eslint.config.js'],
    languageOptions: { globals: { ...globals.node } },
  },
  { files: ['bench/viewer.js'], languageOptions: { globals: { ...globals.browser } } },
  {
    // Tests read JSON output of the CLI; typing every shape adds nothing.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
