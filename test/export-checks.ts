/**
 * Checks an exported directory as the target's own tools would read it,
 * without a container engine: each Service YAML against Knative Serving's
 * CRD (nothing refused, nothing pruned), cloudbuild.yaml against Cloud
 * Build's schema, the gateway document with swagger-parser, and each
 * Dockerfile parsed with dockerfile-ast, every COPY source present in its
 * build context. The reference schemas are read from ../shared/schemas/.
 */
import SwaggerParser from '@apidevtools/swagger-parser';
import { Ajv } from 'ajv';
import { Copy, DockerfileParser } from 'dockerfile-ast';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { REPO } from './e2e/spam-model.js';
import { crdErrors, prunedFields } from './knative-crd.js';

const cloudBuildSchema = JSON.parse(readFileSync(path.join(REPO, '..', 'shared', 'schemas', 'cloudbuild.schema.json'), 'utf8')) as object;
const validateCloudBuild = new Ajv({ strict: false, allErrors: true }).compile(cloudBuildSchema);

/** Every problem found in the exported directory, as `file: problem` lines; empty when all holds. */
export async function exportProblems(dir: string, documentName = 'api-gateway.yaml'): Promise<string[]> {
  const problems: string[] = [];
  for (const file of readdirSync(path.join(dir, 'services')).sort()) {
    const object: unknown = YAML.parse(readFileSync(path.join(dir, 'services', file), 'utf8'));
    for (const e of crdErrors(object)) problems.push(`services/${file}: ${e}`);
    for (const p of prunedFields(object)) problems.push(`services/${file}: ${p} would be pruned`);
  }
  const cloudBuild: unknown = YAML.parse(readFileSync(path.join(dir, 'cloudbuild.yaml'), 'utf8'));
  if (!validateCloudBuild(cloudBuild)) {
    for (const e of validateCloudBuild.errors ?? []) problems.push(`cloudbuild.yaml: ${e.instancePath} ${e.message ?? ''}`);
  }
  try {
    await SwaggerParser.validate(YAML.parse(readFileSync(path.join(dir, documentName), 'utf8')) as never);
  } catch (err) {
    problems.push(`${documentName}: ${(err as Error).message}`);
  }
  for (const context of readdirSync(path.join(dir, 'build')).sort()) {
    problems.push(...dockerfileProblems(path.join(dir, 'build', context)).map((p) => `build/${context}/Dockerfile: ${p}`));
  }
  return problems;
}

/** COPY/ADD sources (not copies from another stage) missing from the context, and a final stage that would run as root. */
export function dockerfileProblems(context: string): string[] {
  const dockerfile = DockerfileParser.parse(readFileSync(path.join(context, 'Dockerfile'), 'utf8'));
  const problems: string[] = [];
  for (const instruction of dockerfile.getInstructions()) {
    const keyword = instruction.getKeyword();
    if (keyword !== 'COPY' && keyword !== 'ADD') continue;
    if (instruction instanceof Copy && instruction.getFromFlag() !== null) continue;
    const args = instruction.getArguments().map((a) => a.getValue()).filter((a) => !a.startsWith('--'));
    for (const source of args.slice(0, -1)) {
      if (!existsSync(path.join(context, source))) problems.push(`${keyword} ${source}: not in the build context`);
    }
  }
  const stages = dockerfile.getFROMs().length;
  const lastFrom = dockerfile.getFROMs()[stages - 1]?.getRange().start.line ?? 0;
  const users = dockerfile
    .getInstructions()
    .filter((i) => i.getKeyword() === 'USER' && i.getRange().start.line > lastFrom)
    .map((i) => i.getArgumentsContent() ?? '');
  const user = users.at(-1);
  if (user === undefined || /^(root|0)(:|$)/.test(user)) problems.push(`the final stage runs as root (USER ${user ?? 'not set'})`);
  return problems;
}

/** Every file under `dir` (relative path → bytes as base64), to compare two exports byte for byte. */
export function filesOf(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    out[path.relative(dir, file)] = readFileSync(file).toString('base64');
  }
  return out;
}
