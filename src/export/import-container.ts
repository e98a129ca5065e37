/**
 * The one container of a Knative Service → an mlaas service's command, env
 * and readiness. The `MLAAS_*` variables export writes (model paths, the
 * ONNX server's settings) are mlaas's own: import checks that they agree
 * with the annotations they come from and drops them, as the platform sets
 * them itself. Kubernetes' `$(VAR)` expansion is undone (`$$` → `$`) and an
 * unescaped `$(` refused, since mlaas passes text as written.
 */
import { modelEnvVar } from '../runtime/model-env-var.js';
import { onnxServerEnv, type OnnxServerSettings } from '../serving/onnx-server-env.js';
import { CONTAINER_REFUSALS, MEANINGLESS_CONTAINER_KEYS } from './knative-fields.js';
import { isMap, type Issues, type Origins } from './import-issues.js';
import { CLOUD_RUN_MAX_STARTUP_SECONDS } from './service-unsupported-features.js';

export interface ContainerContext {
  /** Model names of the `models.mlaas.dev/*` annotations. */
  models: string[];
  /** runtime onnx: its `mlaas.dev/onnx` settings (null when none); undefined for runtime process. */
  onnx: Record<string, unknown> | null | undefined;
  readinessTimeoutSeconds: number | undefined;
}

export interface ImportedContainer {
  env: Record<string, string>;
  command?: string[];
  readiness?: Record<string, unknown>;
}

const KNOWN = new Set(['image', 'command', 'args', 'env', 'ports', 'readinessProbe', 'startupProbe']);

export function importContainer(raw: unknown, at: string, issues: Issues, origins: Origins, ctx: ContainerContext): ImportedContainer {
  const container = issues.map(raw, at);
  for (const key of Object.keys(container)) {
    if (KNOWN.has(key) || MEANINGLESS_CONTAINER_KEYS.has(key)) continue;
    // Knative's defaulting writes `resources: {}`: no requests or limits, as mlaas runs instances.
    if (key === 'resources' && isMap(container[key]) && Object.keys(container[key]).length === 0) continue;
    const why = CONTAINER_REFUSALS[key];
    issues.add(`${at}.${key}`, why === undefined ? 'not supported by mlaas' : `not supported by mlaas: ${why}`);
  }
  if (typeof container['image'] !== 'string') issues.add(`${at}.image`, 'expected the image, a string');
  const out: ImportedContainer = { env: {} };
  const command = [...strings(container['command'], `${at}.command`, issues), ...strings(container['args'], `${at}.args`, issues)];
  if (command.length > 0) {
    out.command = command;
    origins.set('command', `${at}.${container['command'] === undefined ? 'args' : 'command'}`);
  }
  out.env = env(container['env'], `${at}.env`, issues, origins, ctx);
  ports(container['ports'], `${at}.ports`, issues);
  const readiness: Record<string, unknown> = {};
  const readinessPath = probe(container['readinessProbe'], `${at}.readinessProbe`, new Set(['httpGet']), issues);
  const startupAt = `${at}.startupProbe`;
  const startup = container['startupProbe'];
  const startupPath = probe(startup, startupAt, new Set(['httpGet', 'periodSeconds', 'timeoutSeconds', 'failureThreshold', 'initialDelaySeconds']), issues);
  if (readinessPath !== undefined && startupPath !== undefined && readinessPath !== startupPath) {
    issues.add(`${startupAt}.httpGet.path`, `expected the readinessProbe's path ${readinessPath} (mlaas has one readiness path), got ${startupPath}`);
  }
  const probePath = readinessPath ?? startupPath;
  if (probePath !== undefined) {
    readiness['path'] = probePath;
    origins.set('readiness.path', `${at}.${readinessPath === undefined ? 'startupProbe' : 'readinessProbe'}.httpGet.path`);
  }
  let timeout = ctx.readinessTimeoutSeconds;
  if (isMap(startup) && startupPath !== undefined) {
    const n = (key: string, fallback: number) => (typeof startup[key] === 'number' ? (startup[key] as number) : fallback);
    // Kubernetes' defaults: periodSeconds 10, failureThreshold 3.
    const seconds = n('failureThreshold', 3) * n('periodSeconds', 10) + n('initialDelaySeconds', 0);
    if (timeout === undefined) {
      timeout = seconds;
      origins.set('readiness.timeoutSeconds', startupAt);
    } else if (Math.min(Math.ceil(timeout), CLOUD_RUN_MAX_STARTUP_SECONDS) !== seconds) {
      issues.add(startupAt, `gives an instance ${seconds} s to become ready, but annotations.mlaas.dev/readiness-timeout-seconds says ${timeout}`);
    }
  }
  if (timeout !== undefined) readiness['timeoutSeconds'] = timeout;
  if (Object.keys(readiness).length > 0) out.readiness = readiness;
  return out;
}

function strings(value: unknown, at: string, issues: Issues): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((s) => typeof s === 'string')) {
    issues.add(at, 'expected a list of strings');
    return [];
  }
  return value.map((s, i) => unescapeDollars(s, `${at}[${i}]`, issues));
}

function unescapeDollars(text: string, at: string, issues: Issues): string {
  if (/(^|[^$])(\$\$)*\$\(/.test(text)) issues.add(at, 'Kubernetes expands $(VAR) here and mlaas does not: write $$( for a literal $(');
  return text.replace(/\$\$/g, '$');
}

function env(value: unknown, at: string, issues: Issues, origins: Origins, ctx: ContainerContext): Record<string, string> {
  if (value === undefined) return {};
  if (!Array.isArray(value)) {
    issues.add(at, 'expected a list of name and value');
    return {};
  }
  const out: Record<string, string> = {};
  const derived: Record<string, { value: string; at: string }> = {};
  value.forEach((raw, i) => {
    const itemAt = `${at}[${i}]`;
    const item = issues.map(raw, itemAt);
    if (item['valueFrom'] !== undefined) issues.add(`${itemAt}.valueFrom`, 'not supported by mlaas: it reads no Secrets, ConfigMaps or fields; give the value');
    issues.onlyKeys(item, itemAt, new Set(['name', 'value', 'valueFrom']), 'not supported by mlaas');
    const name = item['name'];
    if (typeof name !== 'string') return issues.add(`${itemAt}.name`, 'expected a variable name');
    const text = typeof item['value'] === 'string' ? unescapeDollars(item['value'], `${itemAt}.value`, issues) : '';
    if (name.startsWith('MLAAS_')) derived[name] = { value: text, at: itemAt };
    else {
      out[name] = text;
      origins.set(`env.${name}`, itemAt);
    }
  });
  checkDerived(derived, issues, ctx);
  return out;
}

/** `MLAAS_MODEL_<NAME>` per model annotation, and for runtime onnx the MLAAS_ONNX_* that `mlaas.dev/onnx` gives. */
function checkDerived(derived: Record<string, { value: string; at: string }>, issues: Issues, ctx: ContainerContext): void {
  const models = new Set(ctx.models.map(modelEnvVar));
  let onnx: Record<string, string> = {};
  if (isMap(ctx.onnx)) {
    try {
      onnx = onnxServerEnv(ctx.onnx as unknown as OnnxServerSettings, {});
    } catch {
      // The annotation itself is malformed; ServiceSchema reports it at its own path.
    }
  }
  for (const [name, { value, at }] of Object.entries(derived)) {
    if (models.has(name)) continue;
    if (ctx.onnx !== undefined && /^MLAAS_ONNX_VERSION_[A-Z0-9_]+$/.test(name) && /^\d+$/.test(value)) continue;
    if (onnx[name] === undefined) issues.add(at, 'mlaas sets MLAAS_* itself: a model is declared by a models.mlaas.dev/ annotation, ONNX settings by mlaas.dev/onnx');
    else if (onnx[name] !== value) issues.add(`${at}.value`, `expected ${onnx[name]} as annotations.mlaas.dev/onnx says, got ${JSON.stringify(value)}`);
  }
  for (const [name, value] of Object.entries(onnx)) {
    if (derived[name] === undefined) issues.add('spec.template.spec.containers[0].env', `expected ${name}=${value} as annotations.mlaas.dev/onnx says, got none`);
  }
}

function ports(value: unknown, at: string, issues: Issues): void {
  if (value === undefined) return;
  if (!Array.isArray(value) || value.length > 1) return issues.add(at, 'expected at most one port: an instance serves HTTP on $PORT');
  const port = issues.map(value[0], `${at}[0]`);
  issues.onlyKeys(port, `${at}[0]`, new Set(['containerPort', 'name', 'protocol']), 'not supported by mlaas');
  if (port['name'] !== undefined && port['name'] !== 'http1') issues.add(`${at}[0].name`, `mlaas speaks HTTP/1.1 to instances (http1), got ${JSON.stringify(port['name'])}`);
  if (port['protocol'] !== undefined && port['protocol'] !== 'TCP') issues.add(`${at}[0].protocol`, `expected TCP, got ${JSON.stringify(port['protocol'])}`);
}

/** An HTTP GET probe's path; anything but `httpGet.path` (and `known` timing) is refused. */
function probe(value: unknown, at: string, known: ReadonlySet<string>, issues: Issues): string | undefined {
  if (value === undefined) return undefined;
  const map = issues.map(value, at);
  for (const key of Object.keys(map)) {
    // Knative's defaulting writes successThreshold 1, which is what mlaas does: the first 200 makes an instance ready.
    if (known.has(key) || (key === 'successThreshold' && map[key] === 1)) continue;
    const why = ['tcpSocket', 'grpc', 'exec'].includes(key) ? 'mlaas probes readiness with an HTTP GET of a path only' : 'not supported by mlaas';
    issues.add(`${at}.${key}`, why);
  }
  const get = issues.map(map['httpGet'], `${at}.httpGet`);
  issues.onlyKeys(get, `${at}.httpGet`, new Set(['path', 'port', 'scheme']), 'not supported by mlaas');
  if (get['scheme'] !== undefined && get['scheme'] !== 'HTTP') issues.add(`${at}.httpGet.scheme`, `expected HTTP, got ${JSON.stringify(get['scheme'])}`);
  if (typeof get['path'] !== 'string') {
    issues.add(`${at}.httpGet.path`, 'expected the readiness path, e.g. /healthz');
    return undefined;
  }
  return get['path'];
}
