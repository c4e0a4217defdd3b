// ESLint (flat config): typescript-eslint's recommended rules without type information, so that
// `npm run lint` stays fast (no program is built); `npm run typecheck` does the type checking.
// Formatting is Prettier's (.prettierrc.json); the layering of lib/ is dependency-cruiser's
// (.dependency-cruiser.cjs).
import eslintComments from '@eslint-community/eslint-plugin-eslint-comments/configs';
import js from '@eslint/js';
import globals from 'globals';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';
import alp from './scripts/eslint-local-rules.mjs';

export default defineConfig(
  {
    // Generated (dist/, imports/, build/) or installed code is never linted.
    ignores: ['dist/', 'build/', 'coverage/', 'imports/', 'node_modules/', '.dist-*/', 'bench-out/'],
  },
  {
    linterOptions: {
      // A disable comment that no longer disables anything is an error, so exceptions cannot outlive their reason.
      reportUnusedDisableDirectives: 'error',
    },
  },
  js.configs.recommended,
  eslintComments.recommended,
  {
    // typescript-eslint's parser and rules for TypeScript only; plain-Node files keep ESLint's own
    // parser, whose scope analysis knows CommonJS.
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommended],
    rules: {
      // `_name` marks a parameter that a signature needs but the body does not use (tsc's
      // noUnusedParameters agrees).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    rules: {
      // Every exception says why: `// eslint-disable-next-line max-lines-per-function -- <reason>`.
      '@eslint-community/eslint-comments/require-description': ['error', { ignore: ['eslint-enable'] }],
      '@eslint-community/eslint-comments/disable-enable-pair': ['error', { allowWholeFile: true }],
      'max-lines-per-function': ['error', { max: 60, skipBlankLines: true, skipComments: true }],
      // Prettier wraps code at 140 columns; what it cannot wrap (long strings, template literals,
      // regular expressions, URLs) and comments are not counted.
      'max-len': [
        'error',
        {
          code: 150,
          ignoreComments: true,
          ignoreUrls: true,
          ignoreStrings: true,
          ignoreTemplateLiterals: true,
          ignoreRegExpLiterals: true,
        },
      ],
      // The library and the platform report through their return values and errors; the CLI writes to
      // process.stdout/stderr itself. Scripts, the launcher and the tests may print (see below).
      'no-console': 'error',
    },
  },
  {
    // Plain-Node files: CommonJS launchers and loaders, ES module scripts.
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
  },
  {
    // Command-line tools print their results and progress.
    files: ['scripts/**', 'bin/**', 'bench/**', 'test/**'],
    rules: { 'no-console': 'off' },
  },
  {
    // The tests read synthesized manifests and parsed YAML, untyped JSON by nature, as `any`, and
    // load some modules afresh with `require` (inside jest.isolateModules or after a jest.mock).
    // The verification engine (lib/policy) and the output writers (lib/output) judge and render
    // any manifest a user hands them, foreign ones included, so they read objects as `any` too;
    // the rest of the library and the platform keep the rule.
    files: ['test/**/*.ts', 'lib/policy/**/*.ts', 'lib/output/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The body of a `describe` block only groups tests: in the tests the length limit applies to
    // every other function (each test, each helper); an exception names `alp/max-lines-per-function`.
    files: ['test/**'],
    plugins: { alp },
    rules: {
      'max-lines-per-function': 'off',
      'alp/max-lines-per-function': ['error', { max: 60, skipBlankLines: true, skipComments: true }],
    },
  },
);
