/**
 * Adds a scaffolded service to mlaas.yaml, or writes a new mlaas.yaml around
 * it: edited through the `yaml` package's Document API so that the user's
 * comments, order and formatting stay as they were.
 */
import { isMap, parseDocument, type Document } from 'yaml';
import { MlaasError } from '../errors.js';

export interface ServiceEntry {
  name: string;
  /** The service's entry under `services:`, as mlaas.yaml spells it. */
  service: Record<string, unknown>;
  /** A model file `mlaas up` pushes to the store as `name@alias` when the alias is missing (`models.seed`). */
  seed?: { model: string; file: string; alias: string };
}

/** The gateway document a new mlaas.yaml points at, beside it. */
export const DEFAULT_GATEWAY_DOCUMENT = 'api-gateway.yaml';

const NEW_CONFIG = `# mlaas deployment, begun by \`mlaas init\`: \`mlaas up\` serves what it declares.
gateway:
  document: ${DEFAULT_GATEWAY_DOCUMENT}
  port: 8080
controlPlane:
  port: 8081
stateDir: .mlaas
`;

function parsed(text: string, file: string): Document {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new MlaasError('CONFIG_INVALID', `${file}: not YAML: ${doc.errors[0]?.message ?? ''}`);
  if (!isMap(doc.contents)) throw new MlaasError('CONFIG_INVALID', `${file}: expected a mapping at the top, got ${doc.contents === null ? 'nothing' : 'something else'}`);
  return doc;
}

/**
 * Answers the new text of mlaas.yaml (`text` undefined: there is none yet)
 * and the gateway document it names. A service or seed of the same name is
 * refused, never replaced. With no tenant declared, a `demo` tenant with a
 * demo key is added, so that the new route can be called at once.
 */
export function addServiceToConfig(text: string | undefined, file: string, entry: ServiceEntry): { text: string; gatewayDocument: string } {
  const doc = parsed(text ?? NEW_CONFIG, file);
  if (doc.hasIn(['services', entry.name])) {
    throw new MlaasError('CONFIG_INIT_CONFLICT', `${file}: services.${entry.name} is declared already: choose another name (--name) or remove it`);
  }
  if (entry.seed !== undefined && doc.hasIn(['models', 'seed', entry.seed.model])) {
    throw new MlaasError('CONFIG_INIT_CONFLICT', `${file}: models.seed.${entry.seed.model} is declared already: choose another name (--name) or remove it`);
  }
  const document = doc.getIn(['gateway', 'document']);
  if (document === undefined) doc.setIn(['gateway', 'document'], DEFAULT_GATEWAY_DOCUMENT);
  else if (typeof document !== 'string' || document === '') {
    throw new MlaasError('CONFIG_INVALID', `${file}: gateway.document: expected a file name, got ${JSON.stringify(document)}`);
  }
  if (entry.seed !== undefined) doc.setIn(['models', 'seed', entry.seed.model], doc.createNode({ file: entry.seed.file, alias: entry.seed.alias }));
  // An empty `services:` (null) becomes a mapping; setIn cannot descend into null.
  if (doc.get('services') === null) doc.delete('services');
  doc.setIn(['services', entry.name], doc.createNode(entry.service));
  const tenants = doc.get('tenants');
  if (tenants === undefined || tenants === null || (isMap(tenants) && tenants.items.length === 0)) {
    doc.set('tenants', doc.createNode({ demo: { displayName: 'Demo tenant', demoKey: true } }));
  }
  return { text: doc.toString(), gatewayDocument: typeof document === 'string' ? document : DEFAULT_GATEWAY_DOCUMENT };
}
