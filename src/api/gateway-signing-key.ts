/**
 * The key the gateway signs backends' ID tokens with, as the state directory
 * keeps it (state/gateway-signing-key.ts) and the gateway uses it
 * (gateway/backend-id-tokens.ts): both sides share the type and the algorithm.
 */
import type { CryptoKey, JWK } from 'jose';

export interface GatewaySigningKey {
  kid: string;
  privateKey: CryptoKey;
  /** The public half as a JWK, without `kid`, `alg` and `use` (the key set adds them). */
  publicJwk: JWK;
}

export const ID_TOKEN_ALG = 'ES256';
