/**
 * JWT authentication in Google API Gateway's form: a security definition
 * names the issuer, the signing keys (a URL or a local file holding a JWKS or
 * a map of X.509 certificates, see remote-key-set.ts; OpenID discovery from
 * the issuer when absent) and the accepted audiences. `jose` verifies the signature, `iss`, `aud`, `exp` and
 * `nbf`; what the claims mean (the tenant, for one) is the caller's business.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createLocalJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { JwtScheme } from '../config/index.js';
import { RemoteKeySet, jwksOf } from './remote-key-set.js';

export type JwtOutcome = { ok: true; payload: JWTPayload } | { ok: false; reason: string };

/** Clock skew tolerated on `exp` and `nbf`, as Google's ESP allows. */
const CLOCK_TOLERANCE_SECONDS = 30;

export class JwtVerifier {
  readonly scheme: JwtScheme;
  private readonly baseDir: string;
  private readonly now: () => number;
  private keys: JWTVerifyGetKey | undefined;

  /**
   * @param baseDir - where a relative `x-google-jwks_uri` file path is resolved: the gateway document's directory
   * @param now - the clock of the key cache
   */
  constructor(scheme: JwtScheme, baseDir: string, now: () => number = Date.now) {
    this.scheme = scheme;
    this.baseDir = baseDir;
    this.now = now;
  }

  /**
   * Never throws: a bad token or an unreachable JWKS is `{ ok: false, reason }`,
   * the reason safe to show the caller.
   *
   * @example
   * const outcome = await verifier.verify(token);
   * if (outcome.ok) subject = outcome.payload.sub;
   */
  async verify(token: string): Promise<JwtOutcome> {
    try {
      const keys = await this.keySet();
      const { payload } = await jwtVerify(token, keys, {
        issuer: this.scheme.issuer,
        ...(this.scheme.audiences.length === 0 ? {} : { audience: this.scheme.audiences }),
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
      });
      return { ok: true, payload };
    } catch (err) {
      return { ok: false, reason: reasonOf(err) };
    }
  }

  private async keySet(): Promise<JWTVerifyGetKey> {
    if (this.keys !== undefined) return this.keys;
    const uri = this.scheme.jwksUri ?? (await discoverJwksUri(this.scheme.issuer));
    this.keys = /^https?:\/\//.test(uri)
      ? new RemoteKeySet(uri, this.now).getKey
      : localKeySet(path.resolve(this.baseDir, uri.replace(/^file:\/\//, '')));
    return this.keys;
  }
}

function localKeySet(file: string): JWTVerifyGetKey {
  return createLocalJWKSet(jwksOf(JSON.parse(readFileSync(file, 'utf8'))));
}

/** OpenID Connect discovery, what Google's ESP does when `x-google-jwks_uri` is absent. */
async function discoverJwksUri(issuer: string): Promise<string> {
  const res = await fetch(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(5000) });
  const doc = (await res.json()) as { jwks_uri?: unknown };
  if (typeof doc.jwks_uri !== 'string') throw new Error(`the issuer's OpenID configuration has no jwks_uri`);
  return doc.jwks_uri;
}

function reasonOf(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'the token has expired';
  if (err instanceof errors.JWTClaimValidationFailed) return `the token's ${err.claim} claim is not accepted`;
  if (err instanceof errors.JWSSignatureVerificationFailed || err instanceof errors.JWKSNoMatchingKey) return 'the token signature does not verify';
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid) return 'the token is malformed';
  if (err instanceof errors.JOSEAlgNotAllowed || err instanceof errors.JOSENotSupported) return 'the token uses an unsupported algorithm';
  return 'the token could not be verified (signing keys unavailable)';
}
