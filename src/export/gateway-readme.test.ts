import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLOUDRUN, exportInputFrom, KNATIVE } from '../../test/export-input.js';
import { gatewayReadmeSection } from './gateway-readme.js';
import { parseUrlMap } from './url-map.js';

const DEMO = path.resolve(import.meta.dirname, '../../mlaas.yaml');

describe('gatewayReadmeSection', () => {
  it('tells cloudrun users to fill the URLs, then create the API config from the document', async () => {
    const input = await exportInputFrom(DEMO);
    const text = gatewayReadmeSection(input, CLOUDRUN);
    expect(text).toMatch(/^## The gateway: Google API Gateway\n/);
    expect(text).toContain('`gateway-urls` step');
    expect(text).toContain('gcloud api-gateway api-configs create CONFIG_ID --api=API_ID --openapi-spec=api-gateway.yaml');
    expect(text).toContain('--location=europe-west1');
    const mapped = gatewayReadmeSection(input, CLOUDRUN, parseUrlMap('spam-filter: https://s.example.com\n', 'u.yaml'));
    expect(mapped).not.toContain('gateway-urls');
  });

  it('tells knative users where the document points and how to give the mlaas-gateway its keys', async () => {
    const text = gatewayReadmeSection(await exportInputFrom(DEMO), KNATIVE);
    expect(text).toContain('namespace `ml`');
    expect(text).toContain('services/mlaas-gateway.yaml');
    expect(text).toContain('mlaas keys create --tenant TENANT');
  });
});
