/**
 * What a conformance case gets of the running platform: where the gateway
 * and the admin API listen, the CLI against its state, the fixture's API
 * keys by name, a signer of the JWTs the gateway document trusts, and a
 * way to send a request and read its answer.
 */
import type { CliResult } from '../e2e/mlaas-process.js';
import type { Answer, SendOptions } from './gateway-answer.js';

/**
 * The fixture's keys (conformance-fixture.ts): `acme` and `globex` act for their tenants; `scoped` (acme) may call
 * the `split` service only; `tester` (globex) may pick revisions by x-mlaas-tag; `limited` (globex) may make 3 requests a minute.
 */
export type FixtureKey = 'acme' | 'globex' | 'scoped' | 'tester' | 'limited';

export interface ConformancePlatform {
  gatewayUrl: string;
  adminUrl: string;
  adminToken: string;
  /** Runs `mlaas ARGS` against the platform's state dir. */
  cli(args: readonly string[]): Promise<CliResult>;
  /** Like `cli`, for a command that must succeed: answers its stdout. */
  cliOk(args: readonly string[]): Promise<string>;
  /** Full key strings (`mlk_…`) by name. */
  keys: Readonly<Record<FixtureKey, string>>;
  /** A JWT for the document's `jwt` scheme (issuer, audience, signing key of its JWKS file), with these claims. */
  jwt(claims: Record<string, unknown>): Promise<string>;
  /** Sends one request to the gateway (`pathAndQuery` under its URL, the basePath included). */
  send(pathAndQuery: string, opts?: SendOptions): Promise<Answer>;
}
