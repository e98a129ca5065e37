/**
 * Adds a scaffolded service's route to the gateway document (OpenAPI 2.0 in
 * Google API Gateway's form), or writes a new document around it; edited
 * through the `yaml` package's Document API so that the user's comments stay.
 */
import { isMap, isScalar, parseDocument, type Document } from 'yaml';
import { MlaasError } from '../errors.js';

export interface GatewayRoute {
  path: string;
  method: 'get' | 'post';
  /** `mlaas://SERVICE/PATH`. */
  address: string;
  pathTranslation?: 'APPEND_PATH_TO_ADDRESS';
  operationId: string;
  summary: string;
}

/** The key scheme a new document (or one with no API-key scheme) gets: Google's header form. */
const HEADER_KEY = { name: 'api_key_header', scheme: { type: 'apiKey', name: 'x-api-key', in: 'header' } };

const NEW_DOCUMENT = `# The gateway document, begun by \`mlaas init\`: OpenAPI 2.0 as Google API
# Gateway reads it. mlaas://SERVICE/PATH addresses name services from mlaas.yaml.
swagger: '2.0'
info:
  title: mlaas-api
  version: 1.0.0
produces:
  - application/json
`;

function parsed(text: string, file: string): Document {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new MlaasError('GATEWAY_DOC_INVALID', `${file}: not YAML: ${doc.errors[0]?.message ?? ''}`);
  if (!isMap(doc.contents)) throw new MlaasError('GATEWAY_DOC_INVALID', `${file}: expected a mapping at the top`);
  return doc;
}

/** The first API-key scheme of `securityDefinitions`, added when there is none. */
function keyScheme(doc: Document): string {
  const defs = doc.get('securityDefinitions');
  if (isMap(defs)) {
    for (const item of defs.items) {
      const value = item.value;
      if (isMap(value) && value.get('type') === 'apiKey' && isScalar(item.key)) return String(item.key.value);
    }
  }
  doc.setIn(['securityDefinitions', HEADER_KEY.name], doc.createNode(HEADER_KEY.scheme));
  return HEADER_KEY.name;
}

/** Answers the new text of the gateway document (`text` undefined: there is none yet); a route already there is refused. */
export function addGatewayRoute(text: string | undefined, file: string, route: GatewayRoute): string {
  const doc = parsed(text ?? NEW_DOCUMENT, file);
  if (doc.hasIn(['paths', route.path, route.method])) {
    throw new MlaasError('CONFIG_INIT_CONFLICT', `${file}: paths.${route.path}.${route.method} is declared already: choose another name (--name) or remove it`);
  }
  const scheme = keyScheme(doc);
  const backend: Record<string, unknown> = { address: route.address };
  if (route.pathTranslation !== undefined) backend['path_translation'] = route.pathTranslation;
  if (doc.get('paths') === null) doc.delete('paths');
  doc.setIn(
    ['paths', route.path, route.method],
    doc.createNode({
      security: [{ [scheme]: [] }],
      'x-google-backend': backend,
      summary: route.summary,
      operationId: route.operationId,
      responses: { '200': { description: 'A successful response' } },
    }),
  );
  return doc.toString();
}
