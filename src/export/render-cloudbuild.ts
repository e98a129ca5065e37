/**
 * `cloudbuild.yaml` in the seed article's form: per service a build step
 * (`--platform=linux/amd64`, the article's lesson from M1 laptops), a push
 * step and a deploy step of `services/<name>.yaml`, run with
 * `gcloud builds submit --config cloudbuild.yaml .` from the output
 * directory. Services build in parallel (each chain waits only for its own
 * steps): one slow image does not hold up the others.
 *
 * Images are written as the service YAMLs name them, so what is deployed is
 * exactly what was built; substitutions carry where it is deployed to.
 */
import { Document } from 'yaml';
import type { ExportedService, ExportFile, ExportOptions } from './export-types.js';
import { buildContextDir } from './render-build-context.js';

/** A step that runs once every service is deployed (the cloudrun gateway document's URLs). */
export type FinalStep = Omit<Step, 'waitFor'>;

/** What a build needs of a service: its name (context `build/<name>`, YAML `services/<name>.yaml`) and its image. */
export type BuiltImage = Pick<ExportedService, 'name' | 'image'>;

const DOCKER = 'gcr.io/cloud-builders/docker';
const GCLOUD = 'gcr.io/google.com/cloudsdktool/cloud-sdk';
const KUBECTL = 'gcr.io/cloud-builders/kubectl';
/** The article's large builds took 20 minutes; Cloud Build's default is 10. */
const BUILD_TIMEOUT = '1800s';
/** Placeholder cluster name: Knative's cluster is the team's, named at submit time. */
const DEFAULT_CLUSTER = 'mlaas';

interface Step {
  id: string;
  name: string;
  entrypoint?: string;
  args: string[];
  env?: string[];
  waitFor: string[];
}

function deployStep(service: BuiltImage, options: ExportOptions): Step {
  const id = `deploy-${service.name}`;
  const yaml = `services/${service.name}.yaml`;
  const waitFor = [`push-${service.name}`];
  if (options.target === 'cloudrun') {
    return { id, name: GCLOUD, entrypoint: 'gcloud', args: ['run', 'services', 'replace', yaml, '--region=${_REGION}'], waitFor };
  }
  return {
    id,
    name: KUBECTL,
    args: ['apply', '-f', yaml],
    // What the kubectl builder reads to fetch the GKE cluster's credentials.
    env: ['CLOUDSDK_COMPUTE_REGION=${_CLUSTER_REGION}', 'CLOUDSDK_CONTAINER_CLUSTER=${_CLUSTER}'],
    waitFor,
  };
}

function stepsOf(service: BuiltImage, options: ExportOptions): Step[] {
  const dir = buildContextDir(service.name);
  return [
    {
      id: `build-${service.name}`,
      name: DOCKER,
      args: ['build', '--platform=linux/amd64', `--tag=${service.image}`, `--file=${dir}/Dockerfile`, dir],
      waitFor: ['-'],
    },
    { id: `push-${service.name}`, name: DOCKER, args: ['push', service.image], waitFor: [`build-${service.name}`] },
    deployStep(service, options),
  ];
}

/** Only substitutions the steps use: Cloud Build refuses a build whose substitutions match nothing. */
function substitutionsOf(options: ExportOptions): Record<string, string> {
  return options.target === 'cloudrun' ? { _REGION: options.region } : { _CLUSTER: DEFAULT_CLUSTER, _CLUSTER_REGION: options.region };
}

/**
 * `cloudbuild.yaml` for the services (and, on knative, the gateway's own image, given like a service), in name order;
 * `after` runs when all of them are deployed.
 *
 * @example
 * renderCloudBuild([{ name: 'spam-filter', image: 'gcr.io/p/spam-filter:3f2a…' }], { target: 'cloudrun', region: 'europe-west1', … });
 * // { path: 'cloudbuild.yaml', content: 'steps:\n  - id: build-spam-filter\n …' }
 */
export function renderCloudBuild(services: readonly BuiltImage[], options: ExportOptions, after: readonly FinalStep[] = []): ExportFile {
  const sorted = [...services].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const deployed = sorted.map((service) => `deploy-${service.name}`);
  const doc = new Document({
    steps: [...sorted.flatMap((service) => stepsOf(service, options)), ...after.map((step) => ({ ...step, waitFor: deployed }))],
    substitutions: substitutionsOf(options),
    images: sorted.map((service) => service.image),
    timeout: BUILD_TIMEOUT,
  });
  const how =
    options.target === 'cloudrun'
      ? ' --substitutions=_REGION=REGION'
      : ' --substitutions=_CLUSTER=CLUSTER,_CLUSTER_REGION=REGION';
  doc.commentBefore =
    ' Written by mlaas export: builds, pushes and deploys every service.\n' +
    ` Run from this directory: gcloud builds submit --config cloudbuild.yaml${how} .`;
  return { path: 'cloudbuild.yaml', content: doc.toString({ lineWidth: 0 }) };
}
