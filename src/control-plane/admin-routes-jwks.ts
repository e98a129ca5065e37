/**
 * `GET /.well-known/jwks.json` on the admin port, for anyone (no admin
 * token): the public keys of the ID tokens the gateway sends backends, as
 * Google publishes its own, so that a backend can verify its Authorization.
 */
import type { JSONWebKeySet } from 'jose';
import { defineRoute, type AdminRoute } from './admin-router.js';

export const JWKS_PATH = '/.well-known/jwks.json';

export function jwksRoutes(keySet: () => JSONWebKeySet): AdminRoute[] {
  return [
    defineRoute({
      method: 'GET',
      path: JWKS_PATH,
      // Keys change only when the key file is replaced; verifiers may cache them as they do Google's.
      handle: () => ({ status: 200, body: keySet(), headers: { 'cache-control': 'public, max-age=300' } }),
    }),
  ];
}
