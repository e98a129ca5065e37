/**
 * Everything `mlaas export` writes for the images: a build context per
 * service (render-build-context.ts) and the cloudbuild.yaml that builds,
 * pushes and deploys them (render-cloudbuild.ts).
 */
import type { ExportInput, ExportOptions, Rendered } from './export-types.js';
import { renderBuildContext } from './render-build-context.js';
import { renderCloudBuild, type BuiltImage, type FinalStep } from './render-cloudbuild.js';

/**
 * `others`: images whose contexts other parts render but that cloudbuild.yaml builds too (knative: mlaas-gateway);
 * `after`: steps once every image is deployed (cloudrun: the gateway document's URLs).
 *
 * @example
 * const { files, unsupported } = renderImages(input, options, [{ name: 'mlaas-gateway', image: gatewayImage }]);
 */
export function renderImages(
  input: Pick<ExportInput, 'services' | 'mlaasVersion'>,
  options: ExportOptions,
  others: readonly BuiltImage[] = [],
  after: readonly FinalStep[] = [],
): Rendered {
  const contexts = input.services.map((service) => renderBuildContext(service, input.mlaasVersion));
  return {
    files: [...contexts.flatMap((context) => context.files), renderCloudBuild([...input.services, ...others], options, after)],
    unsupported: contexts.flatMap((context) => context.unsupported),
  };
}
