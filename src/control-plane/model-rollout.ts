/**
 * Moving an alias rolls the model out: every service whose models follow
 * `name@alias` gets a new revision — the artifact, command and settings of
 * the revision serving it now, with the new model version — and traffic moves
 * at once or, for a canary, splits P% new / (100-P)% current with the tag
 * `canary` on the new revision (`mlaas traffic --to-latest` promotes it,
 * `mlaas rollback` undoes it). A `runtime: onnx` service that nothing serves
 * yet (its alias did not exist) is deployed. A revision that cannot become
 * ready (a digest mismatch, a model that does not load) leaves traffic where it was.
 */
import { z } from 'zod';
import type { AliasChange, ModelRegistry } from '../models/index.js';
import { parseModelRef } from '../models/index.js';
import { onnxServerEnv } from '../serving/onnx-server-env.js';
import { DEFAULT_TRAFFIC, resolveTraffic } from './resolve-traffic.js';
import type { Deployer } from './deployer.js';
import type { RevisionReconciler } from './revision-reconciler.js';
import { ONNX_ARTIFACT_KIND, parseRevisionSpec, type RecordedModel, type RevisionSpec } from './revision-spec.js';
import type { JsonObject, StateStore, TrafficPolicy } from '../state/state-store.js';

export const CANARY_TAG = 'canary';

/** Only the models of a stored service spec matter here; the rest was validated when it was stored. */
const declaredModels = z.object({ models: z.record(z.string(), z.string()).default({}), runtime: z.string().optional() });

export interface RolloutOptions {
  /** Percent of traffic for the new revisions; absent = all traffic at once. */
  canaryPercent?: number;
  actor?: string;
  onProgress?: (event: { step: string; detail: string }) => void;
}

export interface ServiceRollout {
  service: string;
  /** The revision the rollout started from. */
  from?: string;
  /** The new revision, when one was made. */
  revision?: string;
  traffic?: Array<{ revision: string; percent: number; tag?: string }>;
  /** Why nothing changed (already on this version, nothing serving). */
  skipped?: string;
  /** Why the new revision did not take traffic. */
  error?: string;
}

export interface RolloutDeps {
  store: StateStore;
  reconciler: RevisionReconciler;
  registry: ModelRegistry;
  /** Deploys a `runtime: onnx` service that has no revision serving yet. */
  deployer: Deployer;
}

/** The services whose declared models follow `name@alias`, with the model keys that do. */
export function servicesFollowing(store: StateStore, name: string, alias: string): Array<{ service: string; keys: string[] }> {
  const found = [];
  for (const record of store.listServices()) {
    const parsed = declaredModels.safeParse(record.spec);
    if (!parsed.success) continue;
    const keys = Object.entries(parsed.data.models)
      .filter(([, ref]) => {
        const r = parseRef(ref);
        return r?.kind === 'alias' && r.name === name && r.alias === alias;
      })
      .map(([key]) => key);
    if (keys.length > 0) found.push({ service: record.name, keys });
  }
  return found;
}

/**
 * Rolls `change` out to every service that follows the alias, one service after the other.
 *
 * @example
 * const change = await registry.setAlias('spam', 'production', 4);
 * await rolloutAlias({ store, reconciler, registry }, change, { canaryPercent: 10 });
 */
export async function rolloutAlias(deps: RolloutDeps, change: AliasChange, options: RolloutOptions = {}): Promise<ServiceRollout[]> {
  const progress = options.onProgress ?? (() => undefined);
  const version = await deps.registry.get(change.name, change.version);
  const results: ServiceRollout[] = [];
  for (const { service, keys } of servicesFollowing(deps.store, change.name, change.alias)) {
    const result = await rolloutService(deps, service, keys, { ...version, ref: `${change.name}@${change.alias}` }, options, progress);
    results.push(result);
    if (result.error !== undefined) progress({ step: 'failed', detail: `${service}: ${result.error}` });
    else if (result.skipped !== undefined) progress({ step: 'skipped', detail: `${service}: ${result.skipped}` });
    else progress({ step: 'traffic', detail: `${service}: ${(result.traffic ?? []).map(formatTarget).join(', ')}` });
  }
  return results;
}

async function rolloutService(
  deps: RolloutDeps,
  service: string,
  keys: string[],
  version: RecordedModel,
  options: RolloutOptions,
  progress: (event: { step: string; detail: string }) => void,
): Promise<ServiceRollout> {
  const { store, reconciler } = deps;
  const revisions = store.listRevisions(service);
  const resolved = resolveTraffic(service, store.getTraffic(service) ?? DEFAULT_TRAFFIC, revisions);
  const serving = [...(resolved?.targets ?? [])].sort((a, b) => b.percent - a.percent)[0];
  const base = serving === undefined || serving.percent === 0 ? undefined : revisions.find((r) => r.name === serving.revision);
  if (base === undefined) {
    if (declaredModels.safeParse(store.getService(service)?.spec).data?.runtime !== 'onnx') {
      return { service, skipped: 'no revision serves it; its next deploy resolves the alias' };
    }
    progress({ step: 'revision', detail: `${service}: first revision, ${keys.map((k) => `${k} → ${version.name}@${version.version}`).join(', ')}` });
    return deployed(deps, service, () => deps.deployer.deploy({ service, actor: options.actor ?? 'models' }));
  }
  const spec = parseRevisionSpec(base);
  if (keys.every((key) => spec.models[key]?.version === version.version && spec.models[key]?.sha256 === version.sha256)) {
    return { service, from: base.name, skipped: `${base.name} already serves ${version.name}@${version.version}` };
  }

  const models: Record<string, RecordedModel> = { ...spec.models };
  for (const key of keys) {
    models[key] = { ref: version.ref, name: version.name, version: version.version, sha256: version.sha256, format: version.format };
  }
  const versions = Object.fromEntries(Object.entries(models).map(([key, m]) => [key, m.version]));
  const next: RevisionSpec = {
    ...spec,
    env: spec.artifact.kind === ONNX_ARTIFACT_KIND ? { ...spec.env, ...onnxServerEnv(undefined, versions) } : spec.env,
    models,
  };
  progress({ step: 'revision', detail: `${service}: from ${base.name}, ${keys.map((k) => `${k} → ${version.name}@${version.version}`).join(', ')}` });
  const percent = options.canaryPercent;
  const result = await deployed(deps, service, () =>
    reconciler.deploy(service, JSON.parse(JSON.stringify(next)) as JsonObject, {
      actor: options.actor ?? 'models',
      traffic: (current, created) => (percent === undefined ? allTo(current) : canary(current, base.name, created, percent)),
    }),
  );
  return { ...result, from: base.name };
}

/** Runs a deploy and reports the traffic after it, or why it failed (traffic then did not move). */
async function deployed(deps: RolloutDeps, service: string, deploy: () => Promise<{ name: string }>): Promise<ServiceRollout> {
  try {
    const rev = await deploy();
    const after = resolveTraffic(service, deps.store.getTraffic(service) ?? DEFAULT_TRAFFIC, deps.store.listRevisions(service));
    const traffic = (after?.targets ?? []).map((t) => ({ revision: t.revision, percent: t.percent, ...(t.tag === undefined ? {} : { tag: t.tag }) }));
    return { service, revision: rev.name, traffic };
  } catch (err) {
    return { service, error: err instanceof Error ? err.message : String(err) };
  }
}

/** Tags other than `canary` stay (at 0%), so that what was reachable by tag still is. */
function keptTags(current: TrafficPolicy): TrafficPolicy['targets'] {
  return current.targets.filter((t) => t.tag !== undefined && t.tag !== CANARY_TAG).map((t) => ({ ...t, percent: 0 }));
}

function allTo(current: TrafficPolicy): TrafficPolicy {
  return { ...current, targets: [{ latestRevision: true, percent: 100 }, ...keptTags(current)] };
}

function canary(current: TrafficPolicy, from: string, created: string, percent: number): TrafficPolicy {
  return {
    ...current,
    targets: [
      { revision: from, percent: 100 - percent },
      { revision: created, percent, tag: CANARY_TAG },
      ...keptTags(current),
    ],
  };
}

function parseRef(ref: string): ReturnType<typeof parseModelRef> | undefined {
  try {
    return parseModelRef(ref);
  } catch {
    return undefined;
  }
}

function formatTarget(t: { revision: string; percent: number; tag?: string }): string {
  return `${t.revision} ${t.percent}%${t.tag === undefined ? '' : ` (tag ${t.tag})`}`;
}
