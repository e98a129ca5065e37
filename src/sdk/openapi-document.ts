/**
 * The OpenAPI 3.0 document a service publishes at `/openapi.json`, built once
 * from its routes: request bodies come from the routes' zod schemas.
 */
import { z } from 'zod';
import { PROBLEM_CONTENT_TYPE } from '../errors.js';
import type { Route } from './route.js';

type Json = Record<string, unknown>;

const PROBLEM_SCHEMA: Json = {
  type: 'object',
  required: ['type', 'title', 'status', 'detail', 'code'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    code: { type: 'string' },
    requestId: { type: 'string' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        required: ['path', 'message'],
        properties: { path: { type: 'string' }, message: { type: 'string' } },
      },
    },
  },
};

function schemaOf(schema: z.ZodType, io: 'input' | 'output'): Json {
  // `unrepresentable: 'any'` keeps a transform or a custom type from breaking the whole document.
  return z.toJSONSchema(schema, { target: 'openapi-3.0', io, unrepresentable: 'any' }) as Json;
}

function problemResponse(description: string): Json {
  return { description, content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: '#/components/schemas/Problem' } } } };
}

function operationOf(r: Route): Json {
  const ok: Json = { description: 'OK' };
  if (r.response !== undefined) ok['content'] = { 'application/json': { schema: schemaOf(r.response, 'output') } };
  const responses: Json = { '200': ok };
  const operation: Json = {};
  if (r.summary !== undefined) operation['summary'] = r.summary;
  if (r.body !== undefined) {
    operation['requestBody'] = {
      required: true,
      content: { 'application/json': { schema: schemaOf(r.body, 'input') } },
    };
    responses['400'] = problemResponse('Request body invalid or not JSON');
    responses['413'] = problemResponse('Request body too large');
  }
  responses['500'] = problemResponse('Handler failed');
  operation['responses'] = responses;
  return operation;
}

export function openApiDocument(info: { name: string; version: string }, routes: readonly Route[]): Json {
  const paths: Record<string, Json> = {
    '/healthz': {
      get: {
        summary: 'Readiness: 200 once the service has started',
        responses: { '200': { description: 'Ready' }, '503': { description: 'Still starting or draining' } },
      },
    },
  };
  for (const r of routes) {
    const item = (paths[r.path] ??= {});
    item[r.method.toLowerCase()] = operationOf(r);
  }
  return {
    openapi: '3.0.3',
    info: { title: info.name, version: info.version },
    paths,
    components: { schemas: { Problem: PROBLEM_SCHEMA } },
  };
}
