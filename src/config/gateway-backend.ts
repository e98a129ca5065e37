/**
 * `x-google-backend` with Google API Gateway's meaning: where an operation's
 * requests go (`mlaas://SERVICE[@TAG][/PATH]` for a platform service, or an
 * outside `http(s)://` URL), how the request path is translated, the
 * deadline, and the audience of the ID token the gateway sends the backend
 * (`jwt_audience`, else the address; none with `disable_auth: true`).
 * See https://cloud.google.com/api-gateway/docs/openapi-overview.
 */
import { z } from 'zod';
import type { FieldIssue } from '../errors.js';
import { DNS_LABEL, positiveNumber, strictObject } from '../api/schema-fields.js';
import { describeIssue, describeValue, fieldIssuesOf, formatPath } from '../api/zod-issues.js';

export type Backend =
  | { kind: 'service'; service: string; tag?: string; path: string }
  | { kind: 'url'; url: string };

export type PathTranslation = 'APPEND_PATH_TO_ADDRESS' | 'CONSTANT_ADDRESS';

/** One `x-google-backend` after defaults. */
export interface BackendRule {
  backend: Backend;
  pathTranslation: PathTranslation;
  deadlineMs: number;
  /**
   * The `aud` of the ID token the gateway signs for the backend; absent when
   * none is sent (`disable_auth: true`). Google's default is the address:
   * `scheme://host` as ESPv2 derives it (port and path dropped), and
   * `mlaas://SERVICE` for a platform service, tag and path dropped alike.
   */
  backendAudience?: string;
  /** `h2`: HTTP/2 to the backend (h2c with prior knowledge for http://, ALPN for https://); HTTP/1.1 otherwise. */
  protocol?: BackendProtocol;
}

export type BackendProtocol = 'http/1.1' | 'h2';

/** Where the extension sits decides Google's default path translation. */
export type BackendLevel = 'top' | 'operation';

const DEFAULT_DEADLINE_SECONDS = 15;

const XGoogleBackendSchema = strictObject({
  address: z.string().min(1),
  path_translation: z.enum(['APPEND_PATH_TO_ADDRESS', 'CONSTANT_ADDRESS']).optional(),
  deadline: positiveNumber().optional(),
  disable_auth: z.boolean().optional(),
  jwt_audience: z.string().min(1).optional(),
  protocol: z.enum(['http/1.1', 'h2']).optional(),
});

const SERVICE_ADDRESS = /^mlaas:\/\/([^/@?#]*)(?:@([^/?#]*))?(\/[^?#]*)?$/;
const ADDRESS_FORMS = 'mlaas://SERVICE[@TAG][/PATH] or an http(s):// URL';

/**
 * Reads one `x-google-backend` found at `at`. Problems go into `issues`; the
 * result is undefined when the rule is unusable.
 */
export function parseBackendRule(
  raw: unknown,
  at: readonly PropertyKey[],
  level: BackendLevel,
  services: ReadonlySet<string> | undefined,
  issues: FieldIssue[],
): BackendRule | undefined {
  const result = XGoogleBackendSchema.safeParse(raw, { error: describeIssue, reportInput: true });
  if (!result.success) {
    issues.push(...fieldIssuesOf(result.error, at));
    return undefined;
  }
  const rule = result.data;
  const addressPath = formatPath([...at, 'address']);
  const backend = parseAddress(rule.address, addressPath, services, issues);
  if (backend === undefined) return undefined;
  if (rule.protocol === 'h2' && backend.kind === 'service') {
    issues.push({
      path: formatPath([...at, 'protocol']),
      message: 'h2 is for outside backends: a platform service speaks HTTP/1.1 (the service contract), so mlaas://… addresses take http/1.1',
    });
    return undefined;
  }
  if (rule.disable_auth !== undefined && rule.jwt_audience !== undefined) {
    // One `authentication` of Google's BackendRule: a token for an audience, or none.
    issues.push({ path: formatPath([...at, 'disable_auth']), message: 'cannot be given with jwt_audience (Google allows one or the other)' });
    return undefined;
  }
  const backendAudience = rule.disable_auth === true ? undefined : (rule.jwt_audience ?? defaultAudience(backend));
  return {
    backend,
    pathTranslation: rule.path_translation ?? (level === 'top' ? 'APPEND_PATH_TO_ADDRESS' : 'CONSTANT_ADDRESS'),
    deadlineMs: Math.round((rule.deadline ?? DEFAULT_DEADLINE_SECONDS) * 1000),
    ...(backendAudience === undefined ? {} : { backendAudience }),
    ...(rule.protocol === undefined ? {} : { protocol: rule.protocol }),
  };
}

function parseAddress(
  address: string,
  path: string,
  services: ReadonlySet<string> | undefined,
  issues: FieldIssue[],
): Backend | undefined {
  const fail = (message: string) => {
    issues.push({ path, message });
    return undefined;
  };
  if (address.startsWith('mlaas:')) {
    const m = SERVICE_ADDRESS.exec(address);
    const [service = '', tag, rest = ''] = m === null ? [] : m.slice(1);
    if (m === null || !DNS_LABEL.test(service) || (tag !== undefined && !DNS_LABEL.test(tag))) {
      return fail(`expected ${ADDRESS_FORMS} (SERVICE and TAG are DNS labels), got ${describeValue(address)}`);
    }
    if (services !== undefined && !services.has(service)) {
      const known = services.size === 0 ? 'none' : [...services].sort().join(', ');
      return fail(`unknown service "${service}" (services in mlaas.yaml: ${known})`);
    }
    return { kind: 'service', service, ...(tag === undefined ? {} : { tag }), path: trimSlashes(rest) };
  }
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    return fail(`expected ${ADDRESS_FORMS}, got ${describeValue(address)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return fail(`expected ${ADDRESS_FORMS}, got ${describeValue(address)}`);
  }
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    return fail(`expected an address without query, fragment or credentials, got ${describeValue(address)}`);
  }
  return { kind: 'url', url: url.origin + trimSlashes(url.pathname) };
}

function defaultAudience(backend: Backend): string {
  if (backend.kind === 'service') return `mlaas://${backend.service}`;
  const url = new URL(backend.url);
  return `${url.protocol}//${url.hostname}`;
}

/** `/predict/` → `/predict`, `/` → `''`, so that appending a request path never doubles a slash. */
function trimSlashes(p: string): string {
  return p.replace(/\/+$/, '');
}
