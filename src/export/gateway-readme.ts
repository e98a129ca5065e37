/**
 * The gateway's part of DIR/README.md: how to put the exported gateway
 * document in front of the services (Google API Gateway for cloudrun; for
 * knative, a gateway inside the cluster, mlaas's own one among them), and
 * what the mlaas-gateway Knative Service needs from whoever runs it. The
 * "Not carried over" list comes from `unsupported`, rendered by the caller.
 */
import type { ExportInput, ExportOptions } from './export-types.js';
import { GATEWAY_URL_STEP_ID } from './gateway-url-step.js';
import { GATEWAY_SERVICE } from './render-gateway-service.js';
import type { UrlMap } from './url-map.js';

/** Markdown, starting with a `##` heading, ending with a newline. */
export function gatewayReadmeSection(input: ExportInput, options: ExportOptions, urls?: UrlMap): string {
  const doc = input.documentName;
  if (options.target === 'cloudrun') {
    const urlsLine =
      urls === undefined
        ? `Its Cloud Run URLs hold placeholders for the project's hash and region code until the \`${GATEWAY_URL_STEP_ID}\` step of cloudbuild.yaml replaces them with the URLs Cloud Run reports (or export again with \`--url-map FILE\`).`
        : 'Its Cloud Run URLs are those of the url map given to the export.';
    return `## The gateway: Google API Gateway

\`${doc}\` is the gateway document with every \`mlaas://\` backend pointed at its Cloud Run service; routes, path translation, deadlines, security and \`x-google-management\` quotas are as written. ${urlsLine} Then:

\`\`\`sh
gcloud api-gateway api-configs create CONFIG_ID --api=API_ID --openapi-spec=${doc} \\
  --backend-auth-service-account=GATEWAY_SA_EMAIL
gcloud api-gateway gateways create GATEWAY_ID --api=API_ID --api-config=CONFIG_ID --location=${options.region}
\`\`\`

API Gateway calls each service with an ID token of GATEWAY_SA_EMAIL: give that account \`roles/run.invoker\` on every service and keep the services private. Callers use Google Cloud API keys restricted to the API, not mlaas keys.
`;
  }
  return `## The gateway

\`${doc}\` routes to the Knative Services' cluster-local URLs in namespace \`${options.namespace}\`: it is for a gateway inside the cluster (Google API Gateway cannot reach cluster-local addresses).

mlaas's own gateway is the Knative Service \`${GATEWAY_SERVICE}\` (\`services/${GATEWAY_SERVICE}.yaml\`, built from \`build/${GATEWAY_SERVICE}/\`): the tenants, quotas, flags and x-mlaas-config of mlaas.yaml in front of the services, which it reaches at those URLs. It runs as one instance, because until gateways share a store each instance keeps its own state: API keys made in it are lost when it is replaced. Make them after each start:

\`\`\`sh
kubectl exec -n ${options.namespace} deploy/$(kubectl get ksvc ${GATEWAY_SERVICE} -n ${options.namespace} -o jsonpath='{.status.latestReadyRevisionName}')-deployment \\
  -c gateway -- mlaas keys create --tenant TENANT
\`\`\`

It routes by URL only: tag routing by header, tenant rules, mirror and sticky splits of the services are not its to apply (see "Not carried over").
`;
}
