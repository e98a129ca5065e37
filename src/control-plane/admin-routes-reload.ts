/**
 * `POST /v1/reload`: reads the gateway document and mlaas.yaml's tenants and
 * flags again and switches the platform to them (config-reloader.ts). Answers
 * what changed and what the files changed that a reload does not apply; an
 * invalid file is a problem+json with every error by path, and nothing changed.
 */
import { defineRoute, type AdminRoute } from './admin-router.js';
import type { ReloadReport } from './reload-report.js';

export function reloadRoutes(reload: () => Promise<ReloadReport>): AdminRoute[] {
  return [defineRoute({ method: 'POST', path: '/v1/reload', handle: async () => ({ status: 200, body: await reload() }) })];
}
