/**
 * The published JSON Schema of mlaas.yaml (schemas/mlaas.schema.json), for
 * editors and other tools. It describes what a user writes, so it is taken
 * from the input side of the zod schema.
 */
import { z } from 'zod';
import { MlaasConfigSchema } from './mlaas-config-schema.js';

/** Where the schema is committed, relative to the repository root. */
export const JSON_SCHEMA_FILE = 'schemas/mlaas.schema.json';

/** The file's exact text: stable key order, two-space indent, final newline. */
export function renderJsonSchema(): string {
  return `${JSON.stringify(z.toJSONSchema(MlaasConfigSchema, { io: 'input' }), null, 2)}\n`;
}
