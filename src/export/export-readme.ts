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
 * renderExportReadme(input, { target: 'cloudrun', registry: 'gcr.io/p', namespace: 'default', region: 'europe-west1' }, [], gatewayReadmeSection(input, options))
 * // '<!-- written by mlaas export … -->\n# ml-api on Cloud Run\n…'
 */
export function renderExportReadme(input: ExportInput, options: ExportOptions, unsupported: readonly UnsupportedFeature[], gatewaySection: string): string {
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
    ...applySteps(options),
    '',
    gatewaySection.trimEnd(),
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

function applySteps(options: ExportOptions): string[] {
  if (options.target === 'cloudrun') {
    return [
      'From this directory, with `gcloud` logged in to the project:',
      '',
      '```sh',
      `gcloud builds submit --config cloudbuild.yaml --substitutions=_REGION=${options.region} .`,
      '```',
      '',
      'Cloud Build builds each image for linux/amd64, pushes it and deploys it with `gcloud run services replace services/NAME.yaml` ' +
        '(the same command by hand deploys one service). Images go to the registry named above: export again with `--registry` for another.',
    ];
  }
  return [
    'From this directory: Cloud Build builds each image for linux/amd64, pushes it and applies its Service to the GKE cluster named by the substitutions ' +
      '(elsewhere, build the contexts under `build/` with any builder and `kubectl apply` the files under `services/`):',
    '',
    '```sh',
    `gcloud builds submit --config cloudbuild.yaml --substitutions=_CLUSTER=CLUSTER,_CLUSTER_REGION=${options.region} .`,
    `kubectl get ksvc -n ${options.namespace}`,
    '```',
  ];
}

function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}
