/**
 * Model names, alias names and references (`spam`, `spam@3`, `spam@production`):
 * their grammar and parsing, shared by the registry, the CLI and mlaas.yaml.
 */
import { MlaasError } from '../errors.js';

/** A DNS label, like service names: it becomes a key prefix in a shared bucket. */
export const MODEL_NAME = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** Starts with a letter, so that `spam@3` (a version) and `spam@prod` (an alias) never collide. */
export const MODEL_ALIAS = /^[a-z][a-z0-9-]{0,62}$/;
/** `spam@latest` means the highest version; no alias may take that name. */
export const LATEST = 'latest';

export type ModelRef =
  | { name: string; kind: 'latest' }
  | { name: string; kind: 'version'; version: number }
  | { name: string; kind: 'alias'; alias: string };

export function assertModelName(name: string): void {
  if (!MODEL_NAME.test(name)) {
    throw new MlaasError(
      'MODEL_REF_INVALID',
      `model name: expected a DNS label (${MODEL_NAME.source}), got ${JSON.stringify(name)}`,
    );
  }
}

export function assertAliasName(alias: string): void {
  if (!MODEL_ALIAS.test(alias) || alias === LATEST) {
    throw new MlaasError(
      'MODEL_REF_INVALID',
      `alias: expected a name matching ${MODEL_ALIAS.source} other than "${LATEST}", got ${JSON.stringify(alias)}`,
    );
  }
}

export function assertVersionNumber(version: number): void {
  if (!Number.isSafeInteger(version) || version < 1) {
    throw new MlaasError('MODEL_REF_INVALID', `version: expected an integer ≥ 1, got ${String(version)}`);
  }
}

/**
 * Parses `name`, `name@latest`, `name@<version>` or `name@<alias>`.
 *
 * @example
 * parseModelRef('spam@production') // { name: 'spam', kind: 'alias', alias: 'production' }
 */
export function parseModelRef(ref: string): ModelRef {
  const at = ref.indexOf('@');
  const name = at < 0 ? ref : ref.slice(0, at);
  assertModelName(name);
  if (at < 0) return { name, kind: 'latest' };
  const selector = ref.slice(at + 1);
  if (selector === LATEST) return { name, kind: 'latest' };
  if (/^[1-9][0-9]*$/.test(selector)) {
    const version = Number(selector);
    assertVersionNumber(version);
    return { name, kind: 'version', version };
  }
  if (!MODEL_ALIAS.test(selector)) {
    throw new MlaasError(
      'MODEL_REF_INVALID',
      `model reference ${JSON.stringify(ref)}: expected name, name@<version ≥ 1> or name@<alias matching ${MODEL_ALIAS.source}>`,
    );
  }
  return { name, kind: 'alias', alias: selector };
}

/** `spam@3`: the reference a revision records. */
export function formatModelRef(name: string, version: number): string {
  return `${name}@${version}`;
}
