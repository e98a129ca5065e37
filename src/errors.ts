/**
 * The one registry of error codes that a client or operator can see, and the
 * error class that carries them to an `application/problem+json` answer
 * (RFC 9457). A code, once published, keeps its meaning; a retired code is
 * listed in RETIRED_CODES and never reused.
 */

export interface FieldIssue {
  /** Dotted path of the offending field, e.g. `services.spam.scaling.minInstances`. */
  path: string;
  /** What was expected and what was found. */
  message: string;
}

interface CodeEntry {
  status: number;
  title: string;
}

/** Every code mlaas answers with. Add new codes at the end of their group. */
export const ERROR_CODES = {
  // gateway (data plane)
  GW_KEY_MISSING: { status: 401, title: 'API key missing' },
  GW_KEY_INVALID: { status: 401, title: 'API key invalid' },
  GW_ROUTE_NOT_FOUND: { status: 404, title: 'No route for this path' },
  GW_METHOD_NOT_ALLOWED: { status: 405, title: 'Method not allowed on this path' },
  GW_BODY_TOO_LARGE: { status: 413, title: 'Request body too large' },
  GW_BACKEND_UNREACHABLE: { status: 502, title: 'Backend unreachable' },
  GW_NO_INSTANCE: { status: 503, title: 'No ready instance' },
  GW_TAG_UNKNOWN: { status: 404, title: 'No revision has this tag' },
  GW_AT_CAPACITY: { status: 429, title: 'Revision at its maximum instances' },
  GW_REQUEST_MALFORMED: { status: 400, title: 'Request is not valid HTTP' },
  GW_HEADERS_TOO_LARGE: { status: 431, title: 'Request headers too large' },
  GW_DEADLINE_EXCEEDED: { status: 504, title: 'Backend deadline exceeded' },
  GW_INTERNAL: { status: 500, title: 'Internal gateway error' },
  GW_SETTINGS_INVALID: { status: 400, title: 'Request settings header invalid' },
  GW_KEY_SCOPE: { status: 403, title: 'API key not allowed to call this service' },
  GW_QUOTA_EXCEEDED: { status: 429, title: 'Quota exceeded' },
  GW_TOKEN_INVALID: { status: 401, title: 'Bearer token invalid' },
  GW_REQUEST_TIMEOUT: { status: 408, title: 'Request not received in time' },
  GW_CONNECTIONS_EXHAUSTED: { status: 503, title: 'Too many open connections' },
  GW_TOKEN_MISSING: { status: 401, title: 'JWT missing' },
  GW_QUOTA_UNAVAILABLE: { status: 503, title: 'Quota store unreachable' },
  GW_ACTIVATOR_REFUSED: { status: 403, title: 'Not a gateway of this platform' },

  // configuration (mlaas.yaml and the gateway document)
  CONFIG_INVALID: { status: 400, title: 'Configuration invalid' },
  CONFIG_NOT_FOUND: { status: 400, title: 'Configuration file not found' },
  GATEWAY_DOC_INVALID: { status: 400, title: 'Gateway document invalid' },
  CONFIG_PORT_UNAVAILABLE: { status: 409, title: 'Configured port not available' },
  CONFIG_KNATIVE_SERVICE_INVALID: { status: 400, title: 'Knative Service not importable' },
  CONFIG_INIT_CONFLICT: { status: 409, title: 'mlaas init would overwrite something' },

  // admin API (control plane)
  ADMIN_TOKEN_MISSING: { status: 401, title: 'Admin token missing or invalid' },
  ADMIN_NOT_FOUND: { status: 404, title: 'Resource not found' },
  ADMIN_ROUTE_NOT_FOUND: { status: 404, title: 'No admin route for this path' },
  ADMIN_BODY_INVALID: { status: 400, title: 'Request body invalid' },
  ADMIN_CONFLICT: { status: 409, title: 'Resource conflict' },
  ADMIN_INTERNAL: { status: 500, title: 'Internal control-plane error' },
  TRAFFIC_INVALID: { status: 400, title: 'Traffic policy invalid' },
  REVISION_NOT_READY: { status: 409, title: 'Revision could not become ready' },
  ROLLBACK_UNAVAILABLE: { status: 409, title: 'No revision to roll back to' },
  ADMIN_JSON_MALFORMED: { status: 400, title: 'Request body is not valid JSON' },
  ADMIN_BODY_TOO_LARGE: { status: 413, title: 'Request body too large' },
  ADMIN_QUERY_INVALID: { status: 400, title: 'Query parameter invalid' },
  ADMIN_REQUEST_MALFORMED: { status: 400, title: 'Request is not valid HTTP' },
  ADMIN_HEADERS_TOO_LARGE: { status: 431, title: 'Request headers too large' },
  ADMIN_REQUEST_TIMEOUT: { status: 408, title: 'Request not received in time' },
  ADMIN_CONNECTIONS_EXHAUSTED: { status: 503, title: 'Too many open connections' },
  ADMIN_METHOD_NOT_ALLOWED: { status: 405, title: 'Method not allowed' },
  ADMIN_INSTANCE_UNREACHABLE: { status: 502, title: 'Instance did not answer' },
  ADMIN_CSRF_REJECTED: { status: 403, title: 'Cross-site request refused' },
  ADMIN_CONSOLE_NOT_BUILT: { status: 503, title: 'Web console not built' },
  ADMIN_STATE_UNAVAILABLE: { status: 503, title: 'State database unavailable' },
  ADMIN_GATEWAY_REFUSED: { status: 403, title: 'Gateway report refused' },

  // SDK (inside a service)
  SDK_BODY_INVALID: { status: 400, title: 'Request body invalid' },
  SDK_JSON_MALFORMED: { status: 400, title: 'Request body is not valid JSON' },
  SDK_ROUTE_NOT_FOUND: { status: 404, title: 'No route for this path' },
  SDK_METHOD_NOT_ALLOWED: { status: 405, title: 'Method not allowed on this path' },
  SDK_BODY_TOO_LARGE: { status: 413, title: 'Request body too large' },
  SDK_HANDLER_FAILED: { status: 500, title: 'Handler failed' },

  // runtime (supervisor)
  RUNTIME_START_FAILED: { status: 503, title: 'Instance failed to start' },
  RUNTIME_STOPPED: { status: 503, title: 'Instances stopped before becoming ready' },
  RUNTIME_PATH_UNREACHABLE: { status: 500, title: 'Instances cannot reach a path they need' },

  // model store
  MODEL_REF_INVALID: { status: 400, title: 'Model name, version or alias invalid' },
  MODEL_INVALID: { status: 400, title: 'Model file invalid' },
  MODEL_NOT_FOUND: { status: 404, title: 'Model, version or alias not found' },
  MODEL_VERSION_IN_USE: { status: 409, title: 'Model version in use' },
  MODEL_DIGEST_MISMATCH: { status: 500, title: 'Model bytes do not match their digest' },
  MODEL_STORE_FAILED: { status: 502, title: 'Model store request failed' },

  // serving (the built-in ONNX server, Open Inference Protocol V2)
  SERVING_INPUT_INVALID: { status: 400, title: 'Inference request invalid' },
  SERVING_JSON_MALFORMED: { status: 400, title: 'Request body is not valid JSON' },
  SERVING_MODEL_NOT_FOUND: { status: 404, title: 'Model or model version not found' },
  SERVING_ROUTE_NOT_FOUND: { status: 404, title: 'No route for this path' },
  SERVING_METHOD_NOT_ALLOWED: { status: 405, title: 'Method not allowed on this path' },
  SERVING_BODY_TOO_LARGE: { status: 413, title: 'Request body too large' },
  SERVING_INFERENCE_FAILED: { status: 500, title: 'Inference failed' },
  SERVING_NOT_READY: { status: 503, title: 'Models still loading' },
  SERVING_OVERLOADED: { status: 503, title: 'Inference queue full' },

  // artifacts (source packaging and builds)
  ARTIFACT_INVALID: { status: 400, title: 'Artifact invalid' },
  ARTIFACT_NOT_FOUND: { status: 404, title: 'Artifact not found' },
  ARTIFACT_BUILD_FAILED: { status: 422, title: 'Artifact build failed' },
  ARTIFACT_SOURCE_REFUSED: { status: 400, title: 'Source holds files that must not be packed' },

  // export (mlaas export)
  EXPORT_OUT_INVALID: { status: 400, title: 'Export directory unusable' },

  // platform (mlaas up)
  PLATFORM_STATE_DIR_IN_USE: { status: 409, title: 'State directory in use by another mlaas' },
  PLATFORM_STATE_NOT_READY: { status: 503, title: 'State store not written by a control plane yet' },

  // native data plane (HAProxy): binary missing, process failed, or a runtime API command refused
  HAPROXY_UNAVAILABLE: { status: 503, title: 'HAProxy unavailable or refused a command' },
} as const satisfies Record<string, CodeEntry>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Codes that were once published and must never be given a new meaning. */
export const RETIRED_CODES: readonly string[] = [];

/** The JSON body of a problem+json answer. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  requestId?: string;
  errors?: FieldIssue[];
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/**
 * An error with a stable code. Thrown anywhere; turned into problem+json in
 * exactly one place per server.
 *
 * @example
 * throw new MlaasError('CONFIG_INVALID', 'mlaas.yaml has 2 errors', { errors });
 */
export class MlaasError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly errors: FieldIssue[] | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(
    code: ErrorCode,
    detail: string,
    options: { errors?: FieldIssue[]; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(detail, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MlaasError';
    this.code = code;
    this.status = ERROR_CODES[code].status;
    this.errors = options.errors;
    this.headers = options.headers;
  }

  toProblem(requestId?: string): Problem {
    return problemOf(this.code, this.message, { requestId, errors: this.errors });
  }
}

/**
 * Bounds of one problem+json body. Messages quote what a caller sent; these
 * keep an answer small whatever the request held (a megabyte-long key, ten
 * thousand bad fields), so an error never costs more to send than to find.
 */
export const PROBLEM_LIMITS = { detailChars: 2000, errors: 50, pathChars: 300, messageChars: 500 } as const;

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}...` : text;
}

/** Builds the problem+json body for a code, within PROBLEM_LIMITS. */
export function problemOf(
  code: ErrorCode,
  detail: string,
  extra: { requestId?: string | undefined; errors?: FieldIssue[] | undefined } = {},
): Problem {
  const entry = ERROR_CODES[code];
  const all = extra.errors ?? [];
  const more = all.length > PROBLEM_LIMITS.errors ? ` (the first ${PROBLEM_LIMITS.errors} of ${all.length} errors are listed)` : '';
  const problem: Problem = {
    type: `https://mlaas.dev/errors/${code}`,
    title: entry.title,
    status: entry.status,
    detail: clip(detail, PROBLEM_LIMITS.detailChars) + more,
    code,
  };
  if (extra.requestId !== undefined) problem.requestId = extra.requestId;
  if (all.length > 0) {
    problem.errors = all.slice(0, PROBLEM_LIMITS.errors).map((e) => ({
      path: clip(e.path, PROBLEM_LIMITS.pathChars),
      message: clip(e.message, PROBLEM_LIMITS.messageChars),
    }));
  }
  return problem;
}

/** Renders field issues one per line, `path: message`, for terminals and logs. */
export function formatIssues(errors: readonly FieldIssue[]): string {
  return errors.map((e) => `  ${e.path || '(root)'}: ${e.message}`).join('\n');
}
