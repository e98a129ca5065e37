/**
 * The mlaas SDK: what a TypeScript service imports to honour the service
 * contract (routes with zod schemas, `/healthz`, `/openapi.json`, tenant
 * context, model paths, graceful shutdown). Built on node:http only.
 *
 * @example
 * import { z } from 'zod';
 * import { service, route } from 'mlaas/sdk';
 * const app = service({
 *   name: 'echo',
 *   routes: [route({ method: 'POST', path: '/echo', body: z.object({ text: z.string() }), handler: ({ body }) => body })],
 * });
 * await app.listen();
 */
export { service } from './service.js';
export type { ServiceOptions, ListenOptions, Listening, Service, ShutdownResult } from './service.js';
export { route } from './route.js';
export type { HttpMethod, Route, RouteContext, RouteDefinition } from './route.js';
export { reply, Reply } from './reply.js';
export { modelPath, modelEnvName } from './model-path.js';
export type { TenantContext } from './tenant-context.js';
