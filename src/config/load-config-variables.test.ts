import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MlaasError } from '../errors.js';
import { loadConfig } from './load-config.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlaas-vars-'));
  fs.mkdirSync(path.join(dir, 'svc'));
  fs.writeFileSync(
    path.join(dir, 'api-gateway.yaml'),
    `swagger: '2.0'
info: { title: "\${API_TITLE:-test-api}", version: 1.0.0 }
paths:
  /v1/x:
    post:
      x-google-backend:
        address: \${BACKEND}
      responses: { '200': { description: ok } }
`,
  );
  fs.writeFileSync(
    path.join(dir, 'flags.yaml'),
    'flags:\n  threshold: { state: ENABLED, variants: { low: 0.3, high: 0.7 }, defaultVariant: "${THRESHOLD:-high}" }\n',
  );
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const CONFIG = `gateway:
  document: api-gateway.yaml
  port: \${GATEWAY_PORT:-8080}
services:
  spam:
    source: svc
    command: [node, server.js]
    env:
      TOKEN: \${TOKEN}
flags: { file: flags.yaml }
`;

async function rejectionOf(promise: Promise<unknown>): Promise<MlaasError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(MlaasError);
  return err as MlaasError;
}

describe('loadConfig with ${VAR} references', () => {
  it('substitutes in mlaas.yaml, the gateway document and the flags file, and reports the variables it used', async () => {
    fs.writeFileSync(path.join(dir, 'mlaas.yaml'), CONFIG);
    const env = { TOKEN: 's3cret', BACKEND: 'mlaas://spam/predict', THRESHOLD: 'low', GATEWAY_PORT: '9090', HOME: '/root' };
    const loaded = await loadConfig(path.join(dir, 'mlaas.yaml'), { env });
    expect(loaded.config.services.spam?.env).toEqual({ TOKEN: 's3cret' });
    expect(loaded.config.gateway.port).toBe(9090);
    expect(loaded.gateway.title).toBe('test-api');
    expect(loaded.gateway.operations[0]?.backend).toEqual({ kind: 'service', service: 'spam', path: '/predict' });
    expect(loaded.flags?.evaluateAll({ targetingKey: 't' })).toEqual({ threshold: 0.3 });
    expect(loaded.variables).toEqual({ TOKEN: 's3cret', BACKEND: 'mlaas://spam/predict', THRESHOLD: 'low', GATEWAY_PORT: '9090' });
  });

  it('an unset variable in mlaas.yaml is CONFIG_INVALID naming it and where it is used', async () => {
    fs.writeFileSync(path.join(dir, 'mlaas.yaml'), CONFIG);
    const err = await rejectionOf(loadConfig(path.join(dir, 'mlaas.yaml'), { env: { BACKEND: 'mlaas://spam/predict' } }));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.errors).toEqual([
      {
        path: 'services.spam.env.TOKEN',
        message: 'variable TOKEN is not set (write ${TOKEN:-default} for a default, $${TOKEN} for the literal text), at line 9',
      },
    ]);
  });

  it('an unset variable in the gateway document is GATEWAY_DOC_INVALID naming it and its field path', async () => {
    fs.writeFileSync(path.join(dir, 'mlaas.yaml'), CONFIG);
    const err = await rejectionOf(loadConfig(path.join(dir, 'mlaas.yaml'), { env: { TOKEN: 't' } }));
    expect(err.code).toBe('GATEWAY_DOC_INVALID');
    expect(err.errors).toEqual([
      {
        path: 'paths./v1/x.post.x-google-backend.address',
        message: 'variable BACKEND is not set (write ${BACKEND:-default} for a default, $${BACKEND} for the literal text), at line 7',
      },
    ]);
  });
});
