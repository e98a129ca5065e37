/**
 * DIR/README.md of an export: what each file is, how to apply them on the
 * target, and every mlaas setting in use that the target has no equivalent
 * for — listed by where it is declared, so nothing is dropped in silence.
 */
import type { ExportInput, ExportOptions, UnsupportedFeature } from './export-types.js';
import { EXPORT_MARKER } from './write-export.js';

const TARGET_NAMES = { knative: 'Knative Serving', cloudrun: 'Cloud Run' } as const;

/**
 * @example
 * renderExportReadme(input, { target: 'cloudrun', registry: 'gcr.io/p', namespace: 'default', region: 'europe-west1' }, [])
 * // '<!-- written by mlaas export … -->\n# ml-api on Cloud Run\n…'
 */
export function renderExportReadme(input: ExportInput, options: ExportOptions, unsupported: readonly UnsupportedFeature[]): string {
  const target = TARGET_NAMES[options.target];
  const names = input.services.map((s) => s.name);
  const lines = [
    EXPORT_MARKER,
    `# ${input.document.title || 'mlaas'} on ${target}`,
    '',
    `Exported by mlaas ${input.mlaasVersion} from ${input.documentName} and mlaas.yaml: ${names.length} services (${names.join(', ') || 'none'}), ` +
      `images under \`${options.registry}\`${options.target === 'knative' ? `, namespace \`${options.namespace}\`` : `, region \`${options.region}\``}. ` +
      'The same declaration exports the same bytes; export again rather than edit these files.',
    '',
    '## Files',
    '',
    '| path | what it is |',
    '|---|---|',
    ...input.services.flatMap((s) => [
      `| \`services/${s.name}.yaml\` | the ${target} Service \`${s.name}\` (\`serving.knative.dev/v1\`), image \`${s.image}\` |`,
      `| \`build/${s.name}/\` | its build context: Dockerfile, .dockerignore, ${s.imageKind === 'onnx' ? 'the models' : 'the source files mlaas deploys'}${s.models.length > 0 && s.imageKind !== 'onnx' ? ' and its models' : ''} |`,
    ]),
    ...(options.target === 'knative'
      ? [
          '| `services/mlaas-gateway.yaml` | mlaas’s own gateway as a Knative Service, for tenancy (keys, quotas, tenant config) in front of the cluster |',
          '| `build/mlaas-gateway/` | its build context: Dockerfile, its mlaas.yaml (tenants and flags, no services), its gateway document |',
        ]
      : []),
    '| `cloudbuild.yaml` | Cloud Build: builds (`--platform=linux/amd64`), pushes and deploys every image |',
    `| \`${input.documentName}\` | the gateway document with every \`mlaas://\` address rewritten to the service’s ${target} URL |`,
    '',
    '## Apply',
    '',
    ...applySteps(input, options),
    '',
    '## Not carried over',
    '',
    ...(unsupported.length === 0
      ? [`Every setting in use has a ${target} equivalent.`]
      : [
          `What the declaration uses that ${target} (or Google API Gateway) has no equivalent for, by where it is declared:`,
          '',
          '| where | on the target |',
          '|---|---|',
          ...[...unsupported]
            .sort((a, b) => a.path.localeCompare(b.path) || a.detail.localeCompare(b.detail))
            .map((u) => `| \`${cell(u.path)}\` | ${cell(u.detail)} |`),
        ]),
    '',
  ];
  return lines.join('\n');
}

function applySteps(input: ExportInput, options: ExportOptions): string[] {
  const doc = input.documentName;
  if (options.target === 'cloudrun') {
    return [
      'From this directory, with `gcloud` logged in to the project:',
      '',
      '```sh',
      `gcloud builds submit . --config cloudbuild.yaml --substitutions=_PROJECT_ID=my-project,_REGION=${options.region}`,
      `gcloud api-gateway api-configs create CONFIG_ID --api=API_ID --openapi-spec=${doc} --project=my-project`,
      `gcloud api-gateway gateways create GATEWAY_ID --api=API_ID --api-config=CONFIG_ID --location=${options.region} --project=my-project`,
      '```',
      '',
      'Cloud Build builds each image for linux/amd64, pushes it and deploys it with `gcloud run services replace services/NAME.yaml`, ' +
        'the same as running that command by hand. Pass `--registry` to `mlaas export` when the images go elsewhere than the registry named above.',
    ];
  }
  return [
    'Build and push the images (Cloud Build, or any builder for linux/amd64), then apply the Services:',
    '',
    '```sh',
    'gcloud builds submit . --config cloudbuild.yaml --substitutions=_PROJECT_ID=my-project',
    `kubectl apply -n ${options.namespace} -f services/`,
    '```',
    '',
    `\`${doc}\` routes to the Services by their cluster URLs; \`gcloud api-gateway api-configs create … --openapi-spec=${doc}\` takes it when the ` +
      'cluster’s services are reachable from Google’s gateway, or `services/mlaas-gateway.yaml` keeps mlaas’s gateway in front of them.',
  ];
}

function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}
