import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLOUDRUN, exportInputFrom, KNATIVE } from '../../test/export-input.js';
import { gatewayUnsupported } from './gateway-unsupported.js';
import { renderGatewayDocument } from './render-gateway-document.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const FIXTURE = path.join(ROOT, 'test/fixtures/export-gateway/mlaas.yaml');

describe('gatewayUnsupported', () => {
  // One test per feature: each one the fixture uses is listed, where it is declared, for both targets.
  it.each([
    ['tenant rules', 'services.scorer.traffic.tenantTags', /cannot route by tenant/],
    ['flag routing', 'services.scorer.traffic.flagTag', /flag scorer-tag routes nobody/],
    ['mirror', 'services.scorer.traffic.mirror', /No request is copied to tag canary/],
    ['sticky splits', 'services.scorer.traffic.sticky', /one tenant's requests may reach different revisions/],
    ['tags chosen by the x-mlaas-tag header', 'services.scorer.traffic.targets[1].tag', /x-mlaas-tag: canary header picks nothing/],
    ['x-mlaas-settings overrides', 'services.scorer.overridable', /No x-mlaas-settings override/],
    ['tenant quotas', 'tenants.acme.quota', /no per-tenant limit/],
    ['per-key quotas', 'tenants.acme.keyQuota', /no per-key limit/],
    ['tenant config in x-mlaas-config', 'tenants.acme.config', /no x-mlaas-config/],
    ['demo keys', 'tenants.acme.demoKey', /makes no demo key/],
    ['flags', 'flags', /evaluates no flags/],
    ['the gateway body limit', 'gateway.maxBodyBytes', /not 2048 bytes/],
    ['mlaas API keys', 'api-gateway.yaml: securityDefinitions.api_key', /Google Cloud API keys .* not mlaas's mlk_ keys/],
    ['the tenant claim of a JWT', 'api-gateway.yaml: securityDefinitions.auth0.x-mlaas-tenant-claim', /names no tenant from its claims/],
    ['a JWKS read from a file', 'api-gateway.yaml: securityDefinitions.auth0.x-google-jwks_uri', /publish jwks.json/],
  ])('lists %s', async (_, where, detail) => {
    const input = await exportInputFrom(FIXTURE);
    for (const options of [CLOUDRUN, KNATIVE]) {
      const listed = gatewayUnsupported(input, options).filter((f) => f.path === where);
      expect(listed).toHaveLength(1);
      expect(listed[0]?.detail).toMatch(detail);
    }
  });

  it('lists only what the declaration uses: the demo has tenant config, a demo key and two API-key schemes', async () => {
    const input = await exportInputFrom(path.join(ROOT, 'mlaas.yaml'));
    expect(renderGatewayDocument(input, CLOUDRUN).unsupported.map((f) => f.path)).toEqual([
      'tenants.demo.config',
      'tenants.demo.demoKey',
      'api-gateway.yaml: securityDefinitions.api_key',
      'api-gateway.yaml: securityDefinitions.api_key_header',
    ]);
  });

  it('says, for knative, what the mlaas-gateway Knative Service keeps and what it cannot do either', async () => {
    const byPath = new Map(gatewayUnsupported(await exportInputFrom(FIXTURE), KNATIVE).map((f) => [f.path, f.detail]));
    expect(byPath.get('tenants.acme.quota')).toMatch(/mlaas-gateway enforces it/);
    expect(byPath.get('flags')).toMatch(/mlaas-gateway still evaluates them per tenant/);
    expect(byPath.get('api-gateway.yaml: securityDefinitions.api_key')).toMatch(/mlaas-gateway checks mlaas keys but keeps them in its pod's own state/);
    expect(byPath.get('services.scorer.traffic.tenantTags')).toMatch(/mlaas-gateway reaches the Knative Services by URL only, so it cannot either/);
  });
});
