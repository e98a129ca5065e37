/**
 * One immutable, validated set of flagd flags and the gateway's synchronous
 * way to evaluate them. Evaluation is flagd-core's (JsonLogic, fractional,
 * starts_with, sem_ver); this class only builds it once per flag change and
 * keeps the per-request path free of promises and of work that does not
 * depend on the tenant: flags without targeting are resolved at build time.
 *
 * Like OpenFeature, evaluation never throws: a missing flag, a disabled flag
 * or a failing rule gives the caller's default with `reason` and `errorCode`.
 */
import { FlagdCore, MemoryStorage } from '@openfeature/flagd-core';
import {
  ErrorCode,
  StandardResolutionReasons,
  type EvaluationContext,
  type EvaluationContextValue,
  type FlagValueType,
  type JsonValue,
  type Logger,
} from '@openfeature/server-sdk';
import { configError } from '../config/config-error.js';
import { flagsDocumentIssues } from './flags-document-issues.js';

/** What flags are evaluated against: the tenant id as targetingKey, its attributes beside it. */
export type TenantEvaluationContext = { targetingKey: string } & Record<string, EvaluationContextValue>;

export interface FlagEvaluation {
  value: JsonValue;
  variant?: string;
  /** OpenFeature reason: STATIC, TARGETING_MATCH, DEFAULT, DISABLED or ERROR. */
  reason: string;
  errorCode?: ErrorCode;
  errorMessage?: string;
}

export interface FlagSetOptions {
  /** Names the document in error details, e.g. `mlaas.yaml` or the flags file's path. */
  source?: string;
  /** Receives flagd-core's debug output about failing rules; silent by default. */
  logger?: Logger;
}

const quiet: Logger = { error() {}, warn() {}, info() {}, debug() {} };
const EMPTY_DOCUMENT = { flags: {} };

export class FlagSet {
  /** The flagd document as JSON, as validated: what a store keeps and `changedFlags` compares. */
  readonly document: string;
  /** Flag keys in document order. */
  readonly keys: readonly string[];
  /** flagd-core loaded with this set; typed OpenFeature resolution goes straight to it. */
  readonly core: FlagdCore;
  private readonly logger: Logger;
  private readonly types: ReadonlyMap<string, FlagValueType>;
  /** Enabled flags without targeting: the same value for every tenant, so resolved once. */
  private readonly staticValues: Readonly<Record<string, JsonValue>>;
  /** Enabled flags with targeting: evaluated per context. */
  private readonly targeted: ReadonlyArray<readonly [string, FlagValueType]>;

  private constructor(document: string, core: FlagdCore, logger: Logger) {
    this.document = document;
    this.core = core;
    this.logger = logger;
    const types = new Map<string, FlagValueType>();
    const staticValues: Record<string, JsonValue> = {};
    const targeted: Array<readonly [string, FlagValueType]> = [];
    for (const [key, flag] of core.getFlags()) {
      const type = valueTypeOf(flag.variants.values().next().value);
      types.set(key, type);
      if (flag.state === 'DISABLED') continue;
      const probe = core.resolve(type, key, null as never, {}, logger);
      if (probe.reason === StandardResolutionReasons.STATIC) staticValues[key] = probe.value;
      else targeted.push([key, type]);
    }
    this.keys = [...core.getFlags().keys()];
    this.types = types;
    this.staticValues = Object.freeze(staticValues);
    this.targeted = targeted;
  }

  /** A set with no flags: every evaluation is FLAG_NOT_FOUND, `evaluateAll` gives `{}`. */
  static empty(): FlagSet {
    return FlagSet.fromDocument(EMPTY_DOCUMENT);
  }

  /**
   * Validates `doc` (a parsed flagd document, `{ flags: {...}, $evaluators?: {...} }`)
   * with flagd's schema and loads it.
   *
   * @throws MlaasError CONFIG_INVALID listing every problem as `flags.<name>…: message`.
   * @example
   * const flags = FlagSet.fromDocument({ flags: { 'new-ui': { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off' } } });
   * flags.evaluateAll({ targetingKey: 'acme', plan: 'pro' }); // { 'new-ui': false }
   */
  static fromDocument(doc: unknown, options: FlagSetOptions = {}): FlagSet {
    const logger = options.logger ?? quiet;
    const issues = flagsDocumentIssues(doc);
    if (issues.length > 0) throw configError('CONFIG_INVALID', options.source ?? 'flags', issues);
    const document = JSON.stringify(doc);
    const storage = new MemoryStorage(logger);
    storage.setConfigurations(document, true);
    return new FlagSet(document, new FlagdCore(storage, logger), logger);
  }

  /**
   * One flag for one context. `defaultValue` is what the caller gets when the
   * flag is missing, disabled or fails (OpenFeature semantics).
   */
  evaluate(flagKey: string, context: EvaluationContext, defaultValue: JsonValue = null): FlagEvaluation {
    const type = this.types.get(flagKey) ?? 'object';
    try {
      const r = this.core.resolve(type, flagKey, defaultValue as never, context, this.logger);
      const out: FlagEvaluation = { value: r.value, reason: r.reason ?? StandardResolutionReasons.UNKNOWN };
      if (r.variant !== undefined) out.variant = r.variant;
      if (r.errorCode !== undefined) out.errorCode = r.errorCode;
      if (r.errorMessage !== undefined) out.errorMessage = r.errorMessage;
      return out;
    } catch (err) {
      return {
        value: defaultValue,
        reason: StandardResolutionReasons.ERROR,
        errorCode: ErrorCode.GENERAL,
        errorMessage: err instanceof Error ? err.message : String(err),
      };
    }
  }

  /**
   * The value of every enabled flag for a context, under the flag's key.
   * Disabled flags and flags whose evaluation fails (or that resolve to no
   * variant) are left out, so whatever the tenant's static config says stays.
   */
  evaluateAll(context: TenantEvaluationContext): Record<string, JsonValue> {
    const out: Record<string, JsonValue> = { ...this.staticValues };
    for (const [key, type] of this.targeted) {
      try {
        const r = this.core.resolve(type, key, null as never, context, this.logger);
        if (r.reason !== StandardResolutionReasons.ERROR && r.value !== null) out[key] = r.value;
      } catch {
        // flagd-core catches rule failures itself; anything else leaves the flag out, as documented.
      }
    }
    return out;
  }

  /** Keys of flags added, removed or changed between `previous` and this set. */
  changedFlags(previous: FlagSet): string[] {
    const before = previous.core.getFlags();
    const after = this.core.getFlags();
    const changed: string[] = [];
    for (const [key, flag] of after) if (before.get(key)?.hash !== flag.hash) changed.push(key);
    for (const key of before.keys()) if (!after.has(key)) changed.push(key);
    return changed;
  }
}

function valueTypeOf(value: unknown): FlagValueType {
  const t = typeof value;
  return t === 'boolean' || t === 'string' || t === 'number' ? t : 'object';
}
