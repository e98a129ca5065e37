/**
 * An OpenFeature server provider that evaluates in process with flagd-core,
 * over whichever FlagSet is current. Code that wants the OpenFeature API
 * (`OpenFeature.getClient().getBooleanValue(...)`, hooks, events) uses this;
 * the gateway's per-request path calls the FlagSet directly and skips the
 * SDK's promise and hook machinery.
 */
import {
  OpenFeatureEventEmitter,
  ProviderEvents,
  type EvaluationContext,
  type JsonValue,
  type Logger,
  type Provider,
  type ResolutionDetails,
} from '@openfeature/server-sdk';
import { FlagSet } from './flag-set.js';

/**
 * @example
 * const provider = new FlagSetProvider(flags);
 * await OpenFeature.setProviderAndWait(provider);
 * await OpenFeature.getClient().getStringValue('model', 'v1', { targetingKey: 'acme' });
 * provider.setFlags(nextFlags); // the next evaluation sees the change; handlers get PROVIDER_CONFIGURATION_CHANGED
 */
export class FlagSetProvider implements Provider {
  readonly metadata = { name: 'mlaas-flagd-in-process' } as const;
  readonly runsOn = 'server' as const;
  readonly events = new OpenFeatureEventEmitter();
  private current: FlagSet;

  constructor(flags: FlagSet = FlagSet.empty()) {
    this.current = flags;
  }

  get flags(): FlagSet {
    return this.current;
  }

  /** Swaps in a new set and announces which flags changed; returns their keys. */
  setFlags(next: FlagSet): string[] {
    const changed = next.changedFlags(this.current);
    this.current = next;
    if (changed.length > 0) this.events.emit(ProviderEvents.ConfigurationChanged, { flagsChanged: changed });
    return changed;
  }

  resolveBooleanEvaluation(flagKey: string, defaultValue: boolean, context: EvaluationContext, logger: Logger): Promise<ResolutionDetails<boolean>> {
    return Promise.resolve(this.current.core.resolveBooleanEvaluation(flagKey, defaultValue, context, logger));
  }

  resolveStringEvaluation(flagKey: string, defaultValue: string, context: EvaluationContext, logger: Logger): Promise<ResolutionDetails<string>> {
    return Promise.resolve(this.current.core.resolveStringEvaluation(flagKey, defaultValue, context, logger));
  }

  resolveNumberEvaluation(flagKey: string, defaultValue: number, context: EvaluationContext, logger: Logger): Promise<ResolutionDetails<number>> {
    return Promise.resolve(this.current.core.resolveNumberEvaluation(flagKey, defaultValue, context, logger));
  }

  resolveObjectEvaluation<T extends JsonValue>(flagKey: string, defaultValue: T, context: EvaluationContext, logger: Logger): Promise<ResolutionDetails<T>> {
    return Promise.resolve(this.current.core.resolveObjectEvaluation(flagKey, defaultValue, context, logger));
  }
}
