/**
 * `mlaas export` put together: every part renders its files from the same
 * input — a Service YAML per service, the build contexts and cloudbuild.yaml,
 * the gateway document, and on knative mlaas's own gateway as a Service —
 * and DIR/README.md lists what any of them could not carry over.
 */
import path from 'node:path';
import type { ExportInput, ExportOptions, Rendered, UnsupportedFeature } from './export-types.js';
import { renderExportReadme } from './export-readme.js';
import { platformUnsupported } from './platform-unsupported.js';
import { gatewayReadmeSection } from './gateway-readme.js';
import { gatewayUrlStep } from './gateway-url-step.js';
import { renderGatewayDocument } from './render-gateway-document.js';
import { GATEWAY_SERVICE, renderGatewayService } from './render-gateway-service.js';
import { renderImages } from './render-images.js';
import { renderKnativeService, serviceManifestPath } from './render-knative-service.js';
import type { UrlMap } from './url-map.js';

export interface ExportPlacement {
  /** The output directory: each Service YAML names its source relative to where it is written (`mlaas.dev/source`). */
  outDir: string;
  /** `--url-map`: addresses for the gateway document, and the file they came from (for messages). */
  urls?: UrlMap;
  urlMapFile?: string;
}

/**
 * @example
 * const { files, unsupported } = exportDeclaration(input, { target: 'knative', registry: 'gcr.io/p', namespace: 'ml', region: 'europe-west1' }, { outDir: 'deploy' });
 */
export function exportDeclaration(input: ExportInput, options: ExportOptions, placement: ExportPlacement): Rendered {
  const { urls } = placement;
  const rewrite = placement.urlMapFile === undefined ? {} : { urlMapFile: placement.urlMapFile };
  const manifestDir = path.join(path.resolve(placement.outDir), 'services');
  const manifests: Rendered = { files: [], unsupported: [] };
  for (const service of input.services) {
    const source = path.relative(manifestDir, service.config.source).split(path.sep).join('/') || '.';
    const rendered = renderKnativeService(service, options, { source });
    manifests.files.push({ path: serviceManifestPath(service.name), content: rendered.yaml });
    manifests.unsupported.push(...rendered.unsupported);
  }
  const gatewayService = renderGatewayService(input, options, urls, rewrite);
  const urlStep = gatewayUrlStep(input, options, urls);
  const images = renderImages(
    input,
    options,
    gatewayService.image === undefined ? [] : [{ name: GATEWAY_SERVICE, image: gatewayService.image }],
    urlStep === undefined ? [] : [{ id: urlStep.id, name: urlStep.name, entrypoint: urlStep.entrypoint, args: urlStep.args }],
  );
  const document = renderGatewayDocument(input, options, urls, rewrite);
  const parts = [manifests, images, document, gatewayService, { files: [], unsupported: platformUnsupported(input, options) }];
  const unsupported = mergeUnsupported(parts.flatMap((p) => p.unsupported));
  const readme = renderExportReadme(input, options, unsupported, gatewayReadmeSection(input, options, urls));
  return { files: [...parts.flatMap((p) => p.files), { path: 'README.md', content: readme }], unsupported };
}

/** One entry per place: two parts that name the same setting (traffic rules: the Service and the gateway) say both what they know. */
function mergeUnsupported(all: readonly UnsupportedFeature[]): UnsupportedFeature[] {
  const byPath = new Map<string, string[]>();
  for (const u of all) {
    const details = byPath.get(u.path) ?? [];
    if (!details.includes(u.detail)) details.push(u.detail);
    byPath.set(u.path, details);
  }
  return [...byPath].map(([p, details]) => ({ path: p, detail: details.join(' ') })).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
