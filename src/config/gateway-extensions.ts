/**
 * What the gateway document may say in Google's and mlaas's own extension
 * namespaces (`x-google-*`, `x-mlaas-*`), and where: an extension mlaas
 * does not read — unknown, or known but at a place where Google does not
 * read it — is refused by its path, never accepted and ignored. Other
 * vendors' `x-*` extensions change nothing Google's gateway does, and
 * neither do they here. A path item's `$ref` is refused too: the gateway
 * would not follow it.
 */
import type { FieldIssue } from '../errors.js';
import { isJsonObject } from '../api/json-object.js';
import { formatPath } from '../api/zod-issues.js';

type Level = 'document' | 'path item' | 'operation' | 'security definition' | 'other';

/** Where each extension is read (the others' readers validate their contents). */
const READ_AT: Readonly<Record<string, readonly Level[]>> = {
  'x-google-allow': ['document'],
  'x-google-api-name': ['document'],
  'x-google-backend': ['document', 'operation'],
  'x-google-endpoints': ['document'],
  'x-google-management': ['document'],
  'x-google-quota': ['operation'],
  'x-google-issuer': ['security definition'],
  'x-google-jwks_uri': ['security definition'],
  'x-google-audiences': ['security definition'],
  'x-google-jwt-locations': ['security definition'],
  'x-mlaas-tenant-claim': ['security definition'],
};

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'];

/** Reports every `x-google-*` / `x-mlaas-*` key mlaas does not read where it stands. */
export function refuseUnreadExtensions(doc: Record<string, unknown>, issues: FieldIssue[]): void {
  const check = (node: unknown, at: readonly PropertyKey[], level: Level) => {
    if (!isJsonObject(node)) return;
    for (const key of Object.keys(node)) {
      if (!key.startsWith('x-google-') && !key.startsWith('x-mlaas-')) continue;
      const levels = READ_AT[key];
      if (levels?.includes(level)) continue;
      issues.push({ path: formatPath([...at, key]), message: unreadMessage(key, levels) });
    }
  };
  const eachEntry = (node: unknown, at: readonly PropertyKey[], level: Level) => {
    if (Array.isArray(node)) node.forEach((v: unknown, i) => check(v, [...at, i], level));
    else if (isJsonObject(node)) for (const [k, v] of Object.entries(node)) check(v, [...at, k], level);
  };

  check(doc, [], 'document');
  check(doc.info, ['info'], 'other');
  check(doc.externalDocs, ['externalDocs'], 'other');
  eachEntry(doc.tags, ['tags'], 'other');
  eachEntry(doc.parameters, ['parameters'], 'other');
  eachEntry(doc.responses, ['responses'], 'other');
  eachEntry(doc.securityDefinitions, ['securityDefinitions'], 'security definition');
  if (!isJsonObject(doc.paths)) return;
  check(doc.paths, ['paths'], 'other');
  for (const [pathKey, item] of Object.entries(doc.paths)) {
    if (pathKey.startsWith('x-') || !isJsonObject(item)) continue;
    const at = ['paths', pathKey];
    check(item, at, 'path item');
    if (item.$ref !== undefined) {
      issues.push({ path: formatPath([...at, '$ref']), message: 'a path item by $ref is not read: write its operations under the path' });
    }
    eachEntry(item.parameters, [...at, 'parameters'], 'other');
    for (const method of METHODS) {
      const op = item[method];
      if (!isJsonObject(op)) continue;
      check(op, [...at, method], 'operation');
      eachEntry(op.parameters, [...at, method, 'parameters'], 'other');
      eachEntry(op.responses, [...at, method, 'responses'], 'other');
    }
  }
}

function unreadMessage(key: string, levels: readonly Level[] | undefined): string {
  if (levels === undefined) {
    return `${key} is not an extension mlaas implements; it is refused rather than ignored (see "Gateway document: what mlaas reads" in the README)`;
  }
  const where = levels.map((l) => (l === 'document' ? 'at the top level' : `in ${l === 'operation' ? 'an operation' : 'a security definition'}`));
  return `${key} is read ${where.join(' and ')}, not here`;
}
