/**
 * `mlaas services update`: Cloud Run's configuration change of a service.
 * The stored spec (the service's template) plus the change is validated with
 * the service schema, and every issue is reported against the flag that
 * caused it (`--max-instances: must be ≥ --min-instances (2), got 1`), not
 * the spec field.
 */
import { ServiceSchema, type ServiceConfig } from '../api/service-schema.js';
import { MlaasError, type FieldIssue } from '../errors.js';

/** Cloud Run's limit on a request's timeout. */
export const MAX_TIMEOUT_SECONDS = 3600;

export interface ServiceChange {
  /** Replaces every variable (`--set-env-vars`). */
  setEnvVars?: Record<string, string>;
  /** Adds or changes these (`--update-env-vars`). */
  updateEnvVars?: Record<string, string>;
  removeEnvVars?: string[];
  clearEnvVars?: boolean;
  concurrency?: number;
  timeoutSeconds?: number;
  minInstances?: number;
  maxInstances?: number;
  /** The whole argument vector (`--command`). */
  command?: string[];
  /** The arguments after the program, which stays (`--args`). */
  args?: string[];
}

/** Spec field → the flag that sets it, for messages. */
const FLAG_OF: Record<string, string> = {
  'scaling.minInstances': '--min-instances',
  'scaling.maxInstances': '--max-instances',
  'scaling.concurrency': '--concurrency',
  minInstances: '--min-instances',
  maxInstances: '--max-instances',
  concurrency: '--concurrency',
  command: '--command',
};

/** The service's spec after `change`; throws ADMIN_BODY_INVALID with one issue per bad flag. */
export function updatedServiceConfig(service: string, current: ServiceConfig, change: ServiceChange): ServiceConfig {
  const issues: FieldIssue[] = [];
  if (change.setEnvVars !== undefined && (change.updateEnvVars !== undefined || change.removeEnvVars !== undefined || change.clearEnvVars === true)) {
    issues.push({ path: '--set-env-vars', message: 'replaces every variable: not with --update-env-vars, --remove-env-vars or --clear-env-vars' });
  }
  let env: Record<string, string> = change.setEnvVars ?? (change.clearEnvVars === true ? {} : { ...current.env });
  for (const name of change.removeEnvVars ?? []) delete env[name];
  env = { ...env, ...change.updateEnvVars };
  const envFlag = (name: string): string => (change.setEnvVars?.[name] !== undefined ? '--set-env-vars' : '--update-env-vars');

  let command = change.command ?? current.command;
  if (change.args !== undefined) {
    const program = command?.[0];
    if (program === undefined) issues.push({ path: '--args', message: 'the service has no command whose arguments to replace: give --command' });
    else command = [program, ...change.args];
  }
  if (change.timeoutSeconds !== undefined && !(Number.isInteger(change.timeoutSeconds) && change.timeoutSeconds >= 1 && change.timeoutSeconds <= MAX_TIMEOUT_SECONDS)) {
    issues.push({ path: '--timeout', message: `expected a duration from 1s to ${MAX_TIMEOUT_SECONDS}s in whole seconds, got ${change.timeoutSeconds}s` });
  }

  const scaling = {
    minInstances: change.minInstances ?? current.scaling.minInstances,
    maxInstances: change.maxInstances ?? current.scaling.maxInstances,
    concurrency: change.concurrency ?? current.scaling.concurrency,
  };
  // Only the fields an update can change are checked again: the rest of the stored spec is already parsed (durations in ms).
  const probe = ServiceSchema.safeParse({
    runtime: current.runtime,
    ...(command === undefined ? {} : { command }),
    ...(current.onnx === undefined ? {} : { onnx: current.onnx }),
    env: { ...env, inherit: current.inheritEnv },
    models: current.models,
    scaling: { ...scaling, initialInstances: current.scaling.initialInstances, ...(current.scaling.target === undefined ? {} : { target: current.scaling.target }) },
  });
  if (!probe.success) {
    for (const issue of probe.error.issues) {
      const field = issue.path.join('.');
      const flag = field.startsWith('env.') ? envFlag(String(issue.path[1])) : (FLAG_OF[field] ?? (change.args !== undefined && field === 'command' ? '--args' : field));
      const message = issue.message.replace(/\b(minInstances|maxInstances|concurrency)\b/g, (name) => FLAG_OF[name] ?? name);
      issues.push({ path: flag, message: field.startsWith('env.') ? `${String(issue.path[1])}: ${message}` : message });
    }
  }
  if (issues.length > 0 || !probe.success) {
    throw new MlaasError('ADMIN_BODY_INVALID', `service ${service}: the update is invalid`, { errors: issues });
  }
  const next: ServiceConfig = {
    ...current,
    env: probe.data.env,
    scaling: { ...current.scaling, ...scaling },
    ...(probe.data.command === undefined ? {} : { command: probe.data.command }),
  };
  if (change.timeoutSeconds !== undefined) (next as ServiceConfig & { timeoutSeconds?: number }).timeoutSeconds = change.timeoutSeconds;
  return next;
}
