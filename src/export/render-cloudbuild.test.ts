// cloudbuild.yaml checked against Cloud Build's JSON Schema (SchemaStore's, in ../shared/schemas/, read at test
// time) and for what the build must do: every image built for linux/amd64, pushed and deployed from its YAML.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Ajv } from 'ajv';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { ExportOptions, ExportTarget } from './export-types.js';
import { fastapiService, onnxService, REPO_ROOT, spamFilterService } from './fixtures/exported-services.js';
import { renderCloudBuild } from './render-cloudbuild.js';

const schema = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, '../shared/schemas/cloudbuild.schema.json'), 'utf8')) as object;
const validate = new Ajv({ strict: false, allErrors: true }).compile(schema);

interface Step {
  id: string;
  name: string;
  entrypoint?: string;
  args: string[];
  env?: string[];
  waitFor: string[];
}
interface CloudBuild {
  steps: Step[];
  substitutions: Record<string, string>;
  images: string[];
}

const modelDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlaas-export-'));
afterAll(() => fs.rmSync(modelDir, { recursive: true, force: true }));
const services = [spamFilterService(modelDir), fastapiService(), onnxService(modelDir)];
const options = (target: ExportTarget): ExportOptions => ({ target, registry: 'gcr.io/my-project', namespace: 'ml', region: 'europe-west1' });

function render(target: ExportTarget): { text: string; build: CloudBuild } {
  const file = renderCloudBuild(services, options(target));
  expect(file.path).toBe('cloudbuild.yaml');
  const text = String(file.content);
  return { text, build: parse(text) as CloudBuild };
}

/** Every `${_NAME}` the steps use. */
function usedSubstitutions(build: CloudBuild): string[] {
  const text = JSON.stringify(build.steps);
  return [...new Set([...text.matchAll(/\$\{(_[A-Z0-9_]+)\}/g)].map((m) => m[1] as string))].sort();
}

describe.each(['cloudrun', 'knative'] as const)('renderCloudBuild (%s)', (target) => {
  it("is a valid Cloud Build config by Cloud Build's schema", () => {
    const { build } = render(target);
    expect(validate(build), JSON.stringify(validate.errors)).toBe(true);
  });

  it('builds every service image for linux/amd64 from its context, pushes it, lists it in images and deploys its YAML', () => {
    const { build } = render(target);
    for (const service of services) {
      const steps = build.steps.filter((step) => step.id.endsWith(`-${service.name}`));
      expect(steps.map((s) => s.id)).toEqual([`build-${service.name}`, `push-${service.name}`, `deploy-${service.name}`]);
      const [buildStep, push, deploy] = steps as [Step, Step, Step];
      expect(buildStep.name).toBe('gcr.io/cloud-builders/docker');
      expect(buildStep.args).toEqual([
        'build',
        '--platform=linux/amd64',
        `--tag=${service.image}`,
        `--file=build/${service.name}/Dockerfile`,
        `build/${service.name}`,
      ]);
      expect(push.args).toEqual(['push', service.image]);
      expect(push.waitFor).toEqual([buildStep.id]);
      expect(deploy.waitFor).toEqual([push.id]);
      expect(deploy.args).toContain(`services/${service.name}.yaml`);
    }
    const builds = build.steps.filter((step) => step.args[0] === 'build');
    expect(builds.every((step) => step.args.includes('--platform=linux/amd64'))).toBe(true);
    expect([...build.images].sort()).toEqual(services.map((s) => s.image).sort());
  });

  it('defines exactly the substitutions its steps use, with defaults (Cloud Build refuses unmatched ones)', () => {
    const { build } = render(target);
    expect(Object.keys(build.substitutions).sort()).toEqual(usedSubstitutions(build));
    expect(Object.values(build.substitutions).every((value) => value !== '')).toBe(true);
  });

  it('gives the same bytes when rendered twice, whatever the order the services come in', () => {
    const again = String(renderCloudBuild([...services].reverse(), options(target)).content);
    expect(again).toBe(render(target).text);
  });
});

describe('renderCloudBuild deploy steps', () => {
  it('replaces the Cloud Run service from its YAML in ${_REGION}', () => {
    const deploy = render('cloudrun').build.steps.find((step) => step.id === 'deploy-spam-filter');
    expect(deploy).toMatchObject({
      name: 'gcr.io/google.com/cloudsdktool/cloud-sdk',
      entrypoint: 'gcloud',
      args: ['run', 'services', 'replace', 'services/spam-filter.yaml', '--region=${_REGION}'],
    });
    expect(render('cloudrun').build.substitutions).toEqual({ _REGION: 'europe-west1' });
  });

  it("applies the Knative Service with kubectl on the cluster the substitutions name", () => {
    const { build } = render('knative');
    expect(build.steps.find((step) => step.id === 'deploy-spam-filter')).toMatchObject({
      name: 'gcr.io/cloud-builders/kubectl',
      args: ['apply', '-f', 'services/spam-filter.yaml'],
      env: ['CLOUDSDK_COMPUTE_REGION=${_CLUSTER_REGION}', 'CLOUDSDK_CONTAINER_CLUSTER=${_CLUSTER}'],
    });
    expect(build.substitutions).toEqual({ _CLUSTER: 'mlaas', _CLUSTER_REGION: 'europe-west1' });
  });
});
