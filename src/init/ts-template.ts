/**
 * The files of `mlaas init --template ts`: a TypeScript service on
 * `@mlaas/sdk` with one zod-validated route, compiled by `tsc` in the
 * artifact build. The platform links `@mlaas/sdk` into every Node build, so
 * the lockfile brings only zod and the compiler, at the versions this
 * platform is tested with (installed from npm's cache when it has them).
 */
const ZOD = '4.6.7';
const TYPESCRIPT = '5.9.3';
const TYPES_NODE = '20.19.43';

const SERVER_TS = `// The service: one route whose body zod checks (a bad body is a 400 naming each
// field), with /healthz, /openapi.json and a drain on SIGTERM from @mlaas/sdk.
import { z } from 'zod';
import { route, service } from '@mlaas/sdk';

const Input = z.object({ text: z.string().min(1).max(10_000) });

const app = service({
  name: '__NAME__',
  routes: [
    route({
      method: 'POST',
      path: '/predict',
      body: Input,
      // Replace with your model: modelPath('NAME') is the file of a model mlaas.yaml binds to this service.
      handler: ({ body, tenant, config }) => ({ length: body.text.length, tenant: tenant ?? null, config }),
    }),
  ],
});

await app.listen();
`;

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    skipLibCheck: true,
    types: ['node'],
    outDir: 'dist',
  },
  include: ['server.ts'],
};

function packageJson(name: string): object {
  return {
    name,
    version: '0.1.0',
    private: true,
    type: 'module',
    scripts: { build: 'tsc -p tsconfig.json' },
    dependencies: { zod: `^${ZOD}` },
    devDependencies: { '@types/node': `^${TYPES_NODE}`, typescript: TYPESCRIPT },
  };
}

function lockfile(name: string): object {
  const root = packageJson(name) as Record<string, unknown>;
  return {
    name,
    version: '0.1.0',
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': {
        name,
        version: '0.1.0',
        dependencies: root['dependencies'],
        devDependencies: root['devDependencies'],
      },
      'node_modules/@types/node': {
        version: TYPES_NODE,
        integrity: 'sha512-6oYBAi5ikg4Pl+kGsoYtawUMBT2zZMCvPNF7pVLnHZfd1zf38DRiWn/gT01RYCdUqkv7Fhr+C9ot4/tb+2sVvA==',
        dev: true,
        license: 'MIT',
        dependencies: { 'undici-types': '~6.21.0' },
      },
      'node_modules/typescript': {
        version: TYPESCRIPT,
        integrity: 'sha512-jl1vZzPDinLr9eUt3J/t7V6FgNEw9QjvBPdysz9KfQDD41fQrC2Y4vKQdiaUpFT4bXlb1RHhLpp8wtm6M5TgSw==',
        dev: true,
        license: 'Apache-2.0',
        bin: { tsc: 'bin/tsc', tsserver: 'bin/tsserver' },
        engines: { node: '>=14.17' },
      },
      'node_modules/undici-types': {
        version: '6.21.0',
        integrity: 'sha512-iwDZqg0QAGrg9Rav5H4n0M64c3mkR59cJ6wQp+7C4nI0gsmExaedaYLNO44eT4AtBBwjbTiGPMlt2Md0T9H9JQ==',
        dev: true,
        license: 'MIT',
      },
      'node_modules/zod': {
        version: ZOD,
        integrity: 'sha512-g8W2D2kU6a8untc053fX1uVBKzM7yqAxW/3zwk83+6RyF2+SKOuV+c0wBDhUwzV1PaGapmZH+rmcUzPf+3CGwg==',
        license: 'MIT',
      },
    },
  };
}

const README = `# __NAME__

A TypeScript service on \`@mlaas/sdk\`, made by \`mlaas init --template ts\`.
\`mlaas up\` (or \`mlaas apply\` against a running platform) builds it
(\`npm ci\`, then \`npm run build\`) and serves \`POST /predict\` behind the
gateway route that \`mlaas init\` added.

The platform provides \`@mlaas/sdk\` to the build; for your editor, install
it beside the platform (\`npm install mlaas @mlaas/sdk\`) or from its tarball.
`;

const json = (value: object): string => `${JSON.stringify(value, null, 2)}\n`;

/** Relative path → content. */
export function tsTemplateFiles(name: string): Record<string, string> {
  return {
    'server.ts': SERVER_TS.replaceAll('__NAME__', name),
    'tsconfig.json': json(TSCONFIG),
    'package.json': json(packageJson(name)),
    'package-lock.json': json(lockfile(name)),
    'README.md': README.replaceAll('__NAME__', name),
    '.gitignore': 'node_modules/\ndist/\n',
  };
}
