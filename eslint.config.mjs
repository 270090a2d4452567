// Lint: typescript-eslint's type-aware recommended set; formatting is Prettier's job.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.cache/**', 'data/**', 'helm/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // node:test's test() and describe() return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] },
          ],
        },
      ],
      // Re-throwing or passing on what was caught keeps its type, whatever it was.
      '@typescript-eslint/only-throw-error': ['error', { allowRethrowing: true, allowThrowingUnknown: true }],
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingUnknown: true }],
      // Heavy or native modules load lazily, only when a sink that needs them is built.
      '@typescript-eslint/no-require-imports': [
        'error',
        {
          allow: [
            '^snappy$',
            '^lz4-napi$',
            '^\\./kafkajs-client$',
            // the AWS SDK (s3) and the Azure SDK (sentinel)
            '^\\./client$',
            '^\\./put$',
            '^\\./credential$',
            '^\\./entra-transport$',
          ],
        },
      ],
      'prefer-const': ['error', { destructuring: 'all' }],
      // Sanitizers match control characters on purpose.
      'no-control-regex': 'off',
    },
  },
  {
    // Test doubles implement async interfaces without awaiting anything.
    files: ['test/**', 'chaos/**', 'bench/**'],
    rules: {
      '@typescript-eslint/require-await': 'off',
      // Assertion messages print whatever a test got, objects included.
      '@typescript-eslint/no-base-to-string': 'off',
      '@typescript-eslint/restrict-template-expressions': 'off',
      // Tests reach into kafkajs internals and hand methods to spies.
      '@typescript-eslint/no-require-imports': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    files: ['**/*.mjs', '**/*.js', 'bin/*'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  {
    // The launcher is CommonJS, as the compiled CLI it loads.
    files: ['bin/*.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  prettier,
);
