// Lint rules for the whole package: typescript-eslint's recommended set, type-aware where it pays.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const CONTROL_PLANE = {
  group: ['**/control-plane', '**/control-plane/**'],
  message: 'the data plane must not import the control plane: put what both need in src/api (the shared module).',
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.mlaas/**', 'bench/results/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  // The data plane stands alone (docs: DESIGN.md, `mlaas gateway`): the gateway, the HTTP kernel, flags,
  // the ONNX server and the SDK never import the control plane; what both need lives in src/api.
  // Tests may wire both planes together; the code they test may not.
  {
    files: ['src/gateway/**/*.ts', 'src/http/**/*.ts', 'src/flags/**/*.ts', 'src/serving/**/*.ts', 'src/sdk/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [CONTROL_PLANE] }] },
  },
  // The module both planes share imports neither.
  {
    files: ['src/api/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [CONTROL_PLANE, { group: ['**/gateway', '**/gateway/**'], message: 'src/api is shared by both planes and imports neither.' }] },
      ],
    },
  },
  // The web console runs in the browser, not in Node.
  { files: ['src/console/**/*.ts'], languageOptions: { globals: { ...globals.browser } } },
);
