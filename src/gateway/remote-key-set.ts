/**
 * A JWT scheme's signing keys as `x-google-jwks_uri` publishes them, in either
 * form Google's ESPv2 reads: a JWKS (`{"keys": [...]}`), or a map of key id →
 * X.509 certificate PEM, the form Google serves for service accounts and
 * Firebase (`https://www.googleapis.com/service_accounts/v1/metadata/x509/…`).
 * A remote set is fetched on first use and kept for 5 minutes (ESPv2's default
 * JWKS cache duration); a token naming a key id the set lacks fetches it again,
 * at most every 30 seconds, so that a rotated key is picked up without
 * letting forged key ids hammer the issuer.
 */
import { X509Certificate } from 'node:crypto';
import { createLocalJWKSet, errors, type JSONWebKeySet, type JWK, type JWTVerifyGetKey } from 'jose';

const CACHE_MS = 5 * 60_000;
const REFETCH_COOLDOWN_MS = 30_000;
const FETCH_TIMEOUT_MS = 5_000;

/**
 * The JWKS a published key document stands for.
 *
 * @throws Error when it is neither a JWKS nor a map of certificates
 */
export function jwksOf(document: unknown): JSONWebKeySet {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new Error('the key document is neither a JWKS nor a map of X.509 certificates');
  }
  const { keys } = document as { keys?: unknown };
  if (Array.isArray(keys)) return { keys: keys as JWK[] };
  const entries = Object.entries(document);
  if (entries.length === 0 || !entries.every(([, pem]) => typeof pem === 'string' && pem.includes('-----BEGIN CERTIFICATE-----'))) {
    throw new Error('the key document is neither a JWKS nor a map of X.509 certificates');
  }
  return {
    keys: entries.map(([kid, pem]) => ({ ...(new X509Certificate(pem as string).publicKey.export({ format: 'jwk' }) as JWK), kid })),
  };
}

export class RemoteKeySet {
  private readonly url: string;
  private readonly now: () => number;
  private local: JWTVerifyGetKey | undefined;
  private fetchedAt = -Infinity;
  private pending: Promise<void> | undefined;

  constructor(url: string, now: () => number) {
    this.url = url;
    this.now = now;
  }

  /** What `jwtVerify` asks for the key of a token. */
  readonly getKey: JWTVerifyGetKey = async (header, token) => {
    if (this.local === undefined || this.now() - this.fetchedAt >= CACHE_MS) {
      // A set that could not be refreshed keeps serving; one never fetched cannot.
      await this.reload().catch((err: unknown) => {
        if (this.local === undefined) throw err;
      });
    }
    try {
      return await this.local!(header, token);
    } catch (err) {
      if (!(err instanceof errors.JWKSNoMatchingKey) || this.now() - this.fetchedAt < REFETCH_COOLDOWN_MS) throw err;
      await this.reload();
      return this.local!(header, token);
    }
  };

  /** One fetch at a time, shared by the requests that wait for it. */
  private reload(): Promise<void> {
    this.pending ??= this.fetchKeys().finally(() => (this.pending = undefined));
    return this.pending;
  }

  private async fetchKeys(): Promise<void> {
    const res = await fetch(this.url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    if (!res.ok) throw new Error(`the JWKS URL answered ${res.status}`);
    this.local = createLocalJWKSet(jwksOf(await res.json()));
    this.fetchedAt = this.now();
  }
}
