/**
 * Regenerates schemas/mlaas.schema.json from the zod schema. Run from the
 * repository root after a build: `node dist/src/config/write-json-schema.js`.
 * json-schema.test.ts fails while the committed file is stale.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { JSON_SCHEMA_FILE, renderJsonSchema } from './json-schema.js';

const target = path.resolve(process.argv[2] ?? JSON_SCHEMA_FILE);
await mkdir(path.dirname(target), { recursive: true });
await writeFile(target, renderJsonSchema());
console.log(`wrote ${target}`);
