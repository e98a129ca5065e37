/**
 * The ID token the gateway sends a backend in `Authorization: Bearer …`, as
 * API Gateway sends a Google-signed one: by default, with the backend's
 * address as the audience (`scheme://host`, as ESPv2 derives it; `mlaas://SERVICE`
 * for a platform service), `x-google-backend.jwt_audience` in its place when
 * given, and none with `disable_auth: true`. mlaas signs with the platform's
 * own key (ES256, its `kid` the key's RFC 7638 thumbprint) and publishes the
 * public half at `/.well-known/jwks.json` on the admin port, so that a backend
 * can check `iss`, `aud` and `exp` as it would Google's. A token lives an
 * hour, as Google's ID tokens do, and is reused per audience until five
 * minutes before it expires: per request, one map lookup.
 */
import { SignJWT, type JSONWebKeySet } from 'jose';
import { ID_TOKEN_ALG, type GatewaySigningKey } from '../api/gateway-signing-key.js';

export interface BackendIdTokensOptions {
  key: GatewaySigningKey;
  /** The `iss` claim: where the platform publishes its keys. Read when a token is made, so it may be known only once the admin API listens. */
  issuer: () => string;
  now?: () => number;
}

const LIFETIME_SECONDS = 3600;
const RENEW_BEFORE_SECONDS = 300;

interface Minted {
  /** `Bearer <token>`, made once: per request the gateway only hands it on. */
  authorization: string;
  renewAt: number;
  expiresAt: number;
}

export class BackendIdTokens {
  private readonly minted = new Map<string, Minted>();
  private readonly pending = new Map<string, Promise<string>>();
  private readonly now: () => number;

  constructor(private readonly options: BackendIdTokensOptions) {
    this.now = options.now ?? Date.now;
  }

  /**
   * The Authorization value (`Bearer <token>`) of a token for `audience`: the
   * one already made while it has more than five minutes to live (renewed in
   * the background from then on), else a new one.
   *
   * @example
   * const authorization = tokens.authorization('https://backend.example.com');
   * setBackendAuthorization(headers, authorization instanceof Promise ? await authorization : authorization);
   */
  authorization(audience: string): string | Promise<string> {
    const seconds = this.now() / 1000;
    const minted = this.minted.get(audience);
    if (minted !== undefined && seconds < minted.renewAt) return minted.authorization;
    if (minted !== undefined && seconds < minted.expiresAt) {
      // Still good for minutes: this request takes it, the next ones the renewed one. A failure shows on the first request that needs a new token.
      this.mint(audience).catch(() => undefined);
      return minted.authorization;
    }
    return this.mint(audience);
  }

  /** The public key set a backend verifies the tokens with. */
  jwks(): JSONWebKeySet {
    const { key } = this.options;
    return { keys: [{ ...key.publicJwk, kid: key.kid, alg: ID_TOKEN_ALG, use: 'sig' }] };
  }

  private mint(audience: string): Promise<string> {
    let pending = this.pending.get(audience);
    if (pending !== undefined) return pending;
    const issuedAt = Math.floor(this.now() / 1000);
    const expiresAt = issuedAt + LIFETIME_SECONDS;
    pending = new SignJWT({})
      .setProtectedHeader({ alg: ID_TOKEN_ALG, kid: this.options.key.kid, typ: 'JWT' })
      .setIssuer(this.options.issuer())
      .setAudience(audience)
      .setIssuedAt(issuedAt)
      .setExpirationTime(expiresAt)
      .sign(this.options.key.privateKey)
      .then((token) => {
        const authorization = `Bearer ${token}`;
        this.minted.set(audience, { authorization, renewAt: expiresAt - RENEW_BEFORE_SECONDS, expiresAt });
        return authorization;
      })
      .finally(() => this.pending.delete(audience));
    this.pending.set(audience, pending);
    return pending;
  }
}

/**
 * Puts the gateway's ID token in the backend request's Authorization; what
 * the caller sent there moves to X-Forwarded-Authorization, as Google's
 * gateway does (a caller's own X-Forwarded-Authorization never gets through:
 * forward-headers.ts drops it). The one place a backend's Authorization is set.
 */
export function setBackendAuthorization(headers: Record<string, string | string[]>, authorization: string): void {
  const original = headers['authorization'];
  if (original !== undefined) headers['x-forwarded-authorization'] = original;
  headers['authorization'] = authorization;
}
