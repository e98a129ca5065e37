/**
 * Which of an operation's security requirements a request meets, with the
 * meaning Google's ESPv2 gives them: the schemes of one requirement must all
 * pass (an API key AND a JWT), any one requirement admits (OR), `{}` admits
 * anyone. A credential that is presented and fails is a 401 whatever else
 * would pass — ESPv2's jwt_authn fails a present, invalid token even where a
 * missing one is allowed, and an unknown API key fails its check — so a bad
 * JWT beside a good key is refused, and so is a bad key beside a good JWT.
 *
 * Synchronous unless a token is presented; nothing is allocated per request
 * for an operation whose caller brings only a key.
 */
import type { IncomingMessage } from 'node:http';
import { decodeJwt, type JWTPayload } from 'jose';
import type { JwtScheme } from '../config/index.js';
import type { ErrorCode } from '../errors.js';
import { JwtVerifier } from './jwt-verifier.js';
import { verifyKey, type IndexedKey, type KeyIndex } from './key-index.js';
import type { PreparedOperation, PreparedRequirement } from './prepared-operation.js';

export interface VerifiedJwt {
  scheme: JwtScheme;
  payload: JWTPayload;
  /** The token's payload segment, base64url JSON without padding: what Envoy's jwt_authn forwards. */
  encodedPayload: string;
}

export type Credentials =
  | {
      ok: true;
      /** The valid key presented, when the requirement met names one or the operation admits anyone. */
      key: IndexedKey | undefined;
      /** The requirement met; undefined when admitted by `{}` (or an operation without security). */
      met: PreparedRequirement | undefined;
      /** The verified token of the requirement met, else the first one verified. */
      jwt: VerifiedJwt | undefined;
    }
  | { ok: false; code: ErrorCode; detail: string };

const KEY_INVALID: Credentials = Object.freeze({ ok: false, code: 'GW_KEY_INVALID', detail: 'the API key is unknown, revoked or expired' });
const NO_TOKENS: readonly (VerifiedJwt | undefined)[] = Object.freeze([]);

export class CredentialCheck {
  private readonly verifiers = new WeakMap<JwtScheme, JwtVerifier>();
  private readonly jwksBaseDir: string;
  private readonly now: () => number;

  /**
   * @param jwksBaseDir - where a JWKS given as a relative file path is found: the gateway document's directory
   * @param now - the clock of the signing-key caches
   */
  constructor(jwksBaseDir: string, now: () => number) {
    this.jwksBaseDir = jwksBaseDir;
    this.now = now;
  }

  check(req: IncomingMessage, prep: PreparedOperation, rawQuery: string, keys: KeyIndex, nowMs: number): Credentials | Promise<Credentials> {
    if (prep.jwtSchemes.length > 0) {
      const tokens = presentedTokens(req, prep, rawQuery);
      if (tokens !== undefined) return this.checkTokens(req, prep, rawQuery, keys, nowMs, tokens);
    }
    return meet(req, prep, rawQuery, keys, nowMs, NO_TOKENS);
  }

  private async checkTokens(
    req: IncomingMessage,
    prep: PreparedOperation,
    rawQuery: string,
    keys: KeyIndex,
    nowMs: number,
    tokens: readonly (string | undefined)[],
  ): Promise<Credentials> {
    const outcomes = await Promise.all(tokens.map((token, i) => (token === undefined ? undefined : this.verify(prep.jwtSchemes[i] as JwtScheme, token))));
    const verified: (VerifiedJwt | undefined)[] = [];
    let refusal: { reason: string; issuerMatched: boolean } | undefined;
    let any = false;
    outcomes.forEach((outcome, i) => {
      if (outcome === undefined) return;
      if (outcome.ok) {
        const token = tokens[i] as string;
        const encodedPayload = token.slice(token.indexOf('.') + 1, token.lastIndexOf('.'));
        verified[i] = { scheme: prep.jwtSchemes[i] as JwtScheme, payload: outcome.payload, encodedPayload };
        any = true;
      } else if (refusal === undefined || (!refusal.issuerMatched && outcome.issuerMatched)) {
        // The reason of a scheme the token claims to come from says more than "wrong issuer".
        refusal = outcome;
      }
    });
    if (!any) return { ok: false, code: 'GW_TOKEN_INVALID', detail: `JWT refused: ${refusal?.reason ?? 'no security definition accepts it'}` };
    return meet(req, prep, rawQuery, keys, nowMs, verified);
  }

  /** Checks the issuer before anything else, as Envoy's jwt_authn does, so that a token never costs a foreign JWKS fetch. */
  private async verify(
    scheme: JwtScheme,
    token: string,
  ): Promise<{ ok: true; payload: JWTPayload } | { ok: false; reason: string; issuerMatched: boolean }> {
    let issuer: unknown;
    try {
      issuer = decodeJwt(token).iss;
    } catch {
      return { ok: false, reason: 'the token is malformed', issuerMatched: false };
    }
    if (issuer !== scheme.issuer) return { ok: false, reason: "the token's iss claim is not accepted", issuerMatched: false };
    const outcome = await this.verifierOf(scheme).verify(token);
    return outcome.ok ? outcome : { ...outcome, issuerMatched: true };
  }

  private verifierOf(scheme: JwtScheme): JwtVerifier {
    let verifier = this.verifiers.get(scheme);
    if (verifier === undefined) {
      verifier = new JwtVerifier(scheme, this.jwksBaseDir, this.now);
      this.verifiers.set(scheme, verifier);
    }
    return verifier;
  }
}

/** The first requirement the presented key and verified tokens meet, `{}` last; else what is missing. */
function meet(
  req: IncomingMessage,
  prep: PreparedOperation,
  rawQuery: string,
  keys: KeyIndex,
  nowMs: number,
  verified: readonly (VerifiedJwt | undefined)[],
): Credentials {
  let key: IndexedKey | undefined;
  let keyAt = -1;
  let query: URLSearchParams | undefined;
  for (let i = 0; i < prep.keyLocations.length; i++) {
    const loc = prep.keyLocations[i]!;
    let value: string | null | undefined;
    if (loc.in === 'header') {
      const v = req.headers[loc.name];
      value = typeof v === 'string' ? v : undefined;
    } else if (rawQuery !== '') {
      query ??= new URLSearchParams(rawQuery);
      value = query.get(loc.name);
    }
    if (typeof value !== 'string' || value === '') continue;
    key = verifyKey(keys, value, nowMs);
    if (key === undefined) return KEY_INVALID;
    keyAt = i;
    break;
  }
  for (const r of prep.requirements) {
    if (r.keyAt !== undefined && r.keyAt !== keyAt) continue;
    if (r.jwtAt !== undefined && verified[r.jwtAt] === undefined) continue;
    return { ok: true, key: r.keyAt === undefined ? undefined : key, met: r, jwt: r.jwtAt === undefined ? firstOf(verified) : verified[r.jwtAt] };
  }
  if (prep.anonymous) return { ok: true, key, met: undefined, jwt: firstOf(verified) };
  // Missing a token where the key part of some requirement is met (or needs no key); else missing the key.
  const code: ErrorCode = prep.requirements.some((r) => r.keyAt === undefined || r.keyAt === keyAt) ? 'GW_TOKEN_MISSING' : 'GW_KEY_MISSING';
  return { ok: false, code, detail: prep.needs };
}

function firstOf(verified: readonly (VerifiedJwt | undefined)[]): VerifiedJwt | undefined {
  for (const v of verified) if (v !== undefined) return v;
  return undefined;
}

/**
 * The token each JWT scheme of the operation finds, by index: the first of
 * its locations present; undefined when no scheme finds one.
 */
function presentedTokens(req: IncomingMessage, prep: PreparedOperation, rawQuery: string): (string | undefined)[] | undefined {
  let tokens: (string | undefined)[] | undefined;
  let query: URLSearchParams | undefined;
  prep.jwtSchemes.forEach((scheme, i) => {
    for (const loc of scheme.locations) {
      let token: string | undefined;
      if (loc.in === 'header') {
        const value = req.headers[loc.name];
        token = value === undefined ? undefined : tokenAfter(Array.isArray(value) ? value.join(',') : value, loc.valuePrefix);
      } else if (rawQuery !== '') {
        query ??= new URLSearchParams(rawQuery);
        token = query.get(loc.name) ?? undefined;
      }
      if (token === undefined) continue;
      (tokens ??= new Array<string | undefined>(prep.jwtSchemes.length).fill(undefined))[i] = token;
      return;
    }
  });
  return tokens;
}

/**
 * The token in a header value, as Envoy's jwt_authn reads it: without a
 * prefix, the whole value; with one, the run of base64url characters and dots
 * after the prefix's first occurrence (case-sensitive) — or the value as is
 * when none follows, which then fails as malformed. Undefined when the prefix
 * is absent: the token is not at this location.
 */
function tokenAfter(value: string, prefix: string): string | undefined {
  if (prefix === '') return value;
  const at = value.indexOf(prefix);
  if (at < 0) return undefined;
  let start = at + prefix.length;
  while (start < value.length && !isJwtChar(value.charCodeAt(start))) start++;
  if (start === value.length) return value;
  let end = start;
  while (end < value.length && isJwtChar(value.charCodeAt(end))) end++;
  return value.slice(start, end);
}

function isJwtChar(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45 || c === 95 || c === 46;
}
