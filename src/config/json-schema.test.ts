import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it, expect } from 'vitest';
import { JSON_SCHEMA_FILE, renderJsonSchema } from './json-schema.js';

const committed = fileURLToPath(new URL(`../../${JSON_SCHEMA_FILE}`, import.meta.url));

describe('schemas/mlaas.schema.json', () => {
  it('is what the zod schema produces now (regenerate with node dist/src/config/write-json-schema.js)', () => {
    expect(fs.readFileSync(committed, 'utf8')).toBe(renderJsonSchema());
  });

  it('tells editors about unknown keys and the name rules', () => {
    const schema = JSON.parse(renderJsonSchema()) as {
      additionalProperties: boolean;
      required: string[];
      properties: { services: { propertyNames: { pattern: string } } };
    };
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(['gateway']);
    expect(schema.properties.services.propertyNames.pattern).toBe('^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$');
  });
});
