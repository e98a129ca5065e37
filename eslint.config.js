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
  // `mlaas gateway` and the gateway's worker processes are composition roots of the data plane alone:
  // they wire the gateway to the state store (src/state), never to the control plane.
  {
    files: ['src/standalone-gateway.ts', 'src/gateway-worker*.ts', 'src/cli/gateway-command.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [CONTROL_PLANE] }] },
  },
  // The state store serves both planes: the control plane writes it, `mlaas gateway` reads its snapshot from it.
  {
    files: ['src/state/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { ...CONTROL_PLANE, message: 'src/state is imported by both planes: it must not import the control plane (shared types live in src/api).' },
            { group: ['**/gateway', '**/gateway/**'], message: 'src/state is imported by both planes: what it shares with the gateway lives in src/api.' },
          ],
        },
      ],
    },
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
