import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { validateSwagger } from '../config/validate-swagger.js';
import { CLOUDRUN, exportInputFrom, KNATIVE } from '../../test/export-input.js';
import { gatewayUrlStep } from './gateway-url-step.js';
import { renderGatewayDocument } from './render-gateway-document.js';
import { parseUrlMap } from './url-map.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const FIXTURE = path.join(ROOT, 'test/fixtures/export-gateway/mlaas.yaml');
const run = promisify(execFile);

/** What Cloud Build does to a step's args: `$$` is `$`, `${_NAME}` / `$_NAME` the substitution. */
function substitute(text: string, values: Record<string, string>): string {
  return text.replace(/\$\$|\$\{(_[A-Z0-9_]+)\}|\$(_[A-Z0-9_]+)/g, (whole: string, braced?: string, bare?: string) => {
    if (whole === '$$') return '$';
    const value = values[braced ?? bare ?? ''];
    if (value === undefined) throw new Error(`Cloud Build would refuse ${whole}: no such substitution`);
    return value;
  });
}

/** A `gcloud` that answers `run services describe NAME --region europe-west1 …` as Cloud Run does for the legacy URL form. */
const FAKE_GCLOUD = `#!/bin/sh
[ "$1 $2 $3" = "run services describe" ] || exit 2
[ "$5 $6" = "--region europe-west1" ] || exit 3
echo "https://$4-abc123-ew.a.run.app"
`;

describe('gatewayUrlStep', () => {
  it('is there only for cloudrun placeholders', async () => {
    const input = await exportInputFrom(FIXTURE);
    expect(gatewayUrlStep(input, KNATIVE)).toBeUndefined();
    expect(gatewayUrlStep(input, CLOUDRUN, parseUrlMap('scorer: https://s.example.com\n', 'u.yaml'))).toBeUndefined();
    expect(gatewayUrlStep(input, CLOUDRUN, undefined, ['deploy-scorer'])).toMatchObject({
      id: 'gateway-urls',
      name: 'gcr.io/google.com/cloudsdktool/cloud-sdk:slim',
      entrypoint: 'bash',
      waitFor: ['deploy-scorer'],
    });
  });

  it('fills in the URLs Cloud Run reports, giving the document a url map of the same URLs would give', async () => {
    const input = await exportInputFrom(FIXTURE);
    const step = gatewayUrlStep(input, CLOUDRUN);
    const script = step?.args[1] ?? '';
    // Every `$` is Cloud Build's escape or its one substitution, so Cloud Build accepts the step.
    expect(script.replaceAll('$$', '').replaceAll('${_REGION}', '')).not.toContain('$');

    const dir = await mkdtemp(path.join(tmpdir(), 'mlaas-gateway-urls-'));
    await writeFile(path.join(dir, 'gcloud'), FAKE_GCLOUD);
    await chmod(path.join(dir, 'gcloud'), 0o755);
    const [placeholders] = renderGatewayDocument(input, CLOUDRUN).files;
    await writeFile(path.join(dir, 'api-gateway.yaml'), placeholders?.content ?? '');
    await run('bash', ['-c', substitute(script, { _REGION: 'europe-west1' })], {
      cwd: dir,
      env: { PATH: `${dir}:${process.env['PATH'] ?? ''}` },
      timeout: 10_000,
    });

    const filled = await readFile(path.join(dir, 'api-gateway.yaml'), 'utf8');
    expect(filled).not.toContain('${_');
    const doc = parse(filled) as unknown;
    expect(await validateSwagger(doc)).toEqual([]);
    const [mapped] = renderGatewayDocument(input, CLOUDRUN, parseUrlMap('scorer: https://scorer-abc123-ew.a.run.app\n', 'u.yaml')).files;
    expect(doc).toEqual(parse(mapped?.content.toString() ?? ''));
  });
});
