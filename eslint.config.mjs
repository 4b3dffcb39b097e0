// ESLint for the TypeScript and JavaScript in lib/, test/, bench/, examples/ and tools/ (flat config): the
// recommended rules of ESLint and typescript-eslint. Layout is Prettier's job (npm run format), so no
// stylistic rule is on here.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    // What .gitignore ignores (build outputs, the tests' scratch folders): ESLint does not read it.
    ignores: [
      'dist/',
      'build/',
      'prebuilds/',
      'coverage/',
      '**/node_modules/',
      'bench/.build/',
      'npm/',
      'test-output/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // As tsc's noUnusedLocals/noUnusedParameters: a leading underscore marks a binding unused on purpose
      // (a parameter a signature needs, a property a rest pattern leaves out).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true, caughtErrors: 'none' },
      ],
      // `cond ? a() : b()` as a statement is the one expression statement the code uses.
      '@typescript-eslint/no-unused-expressions': ['error', { allowTernary: true, allowShortCircuit: true }],
    },
  },
  {
    files: ['test/**/*.ts'],
    languageOptions: { globals: { ...globals.jest } },
  },
  {
    // tools/ and the configs are CommonJS scripts run by Node as they are.
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
