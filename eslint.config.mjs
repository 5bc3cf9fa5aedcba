// Lint: typescript-eslint with type information, for the mistakes a type checker alone lets through
// (a promise nobody awaits, a promise where a callback's result is ignored). Run by `npm run lint` in CI.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'test-results/**', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.base],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
      'no-console': ['error', { allow: ['warn', 'error'] }],
      eqeqeq: ['error', 'always'],
    },
  },
  // Scripts, tests and the bench print to the console on purpose.
  { files: ['bench/**/*.ts', 'test/**/*.ts', 'scripts/**/*.ts', 'src/main.ts', 'src/cluster-primary.ts', 'src/cluster-worker.ts', 'src/startup-banner.ts'], rules: { 'no-console': 'off' } },
);
