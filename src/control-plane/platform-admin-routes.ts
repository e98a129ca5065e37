/**
 * The admin API's routes of a running platform — services, revisions,
 * models, reload, plan/apply, logs, instance metrics, the console's series —
 * over the parts `mlaas up` wires together.
 */
import type { ModelRegistry } from '../models/index.js';
import type { Supervisor } from '../runtime/supervisor.js';
import { logRoutes } from './admin-routes-logs.js';
import { instanceMetricsRoutes } from './admin-routes-metrics.js';
import { modelRoutes } from './admin-routes-models.js';
import { planRoutes } from './admin-routes-plan.js';
import { reloadRoutes } from './admin-routes-reload.js';
import { revisionRoutes } from './admin-routes-revisions.js';
import { seriesRoutes } from './admin-routes-series.js';
import { serviceRoutes } from './admin-routes-services.js';
import type { AdminRoute } from './admin-router.js';
import type { ConfigApplier } from './config-applier.js';
import type { ConfigReloader } from './config-reloader.js';
import type { Deployer } from './deployer.js';
import type { ReloadReport } from './reload-report.js';
import type { RevisionReconciler } from './revision-reconciler.js';
import type { ServiceSeries } from './service-series.js';
import type { StateStore } from '../state/state-store.js';
import { unroutedMessage, unroutedServices } from './unrouted-services.js';

export interface PlatformRouteParts {
  store: StateStore;
  reconciler: RevisionReconciler;
  deployer: Deployer;
  supervisor: Supervisor;
  /** What the gateway serves now: the routes a service is reached by. */
  reloader: ConfigReloader;
  models: ModelRegistry;
  reload: () => Promise<ReloadReport>;
  applier: ConfigApplier;
  logsDir: string;
  /** Aborted when the platform stops: ends the log streams. */
  closing: AbortSignal;
  series: ServiceSeries;
}

export function platformAdminRoutes(p: PlatformRouteParts): AdminRoute[] {
  const { store, reconciler, deployer, supervisor, reloader } = p;
  return [
    ...serviceRoutes({
      store,
      reconciler,
      deployer,
      readyInstances: (revision) => supervisor.ready(revision).length,
      routesOf: (service) =>
        reloader.served().operations.filter((op) => op.backend.kind === 'service' && op.backend.service === service).map((op) => `${op.method.toUpperCase()} ${op.path}`),
    }),
    ...revisionRoutes({
      store,
      reconciler,
      deployer,
      unrouted: (service) => (unroutedServices([service], reloader.served()).length > 0 ? unroutedMessage(service) : undefined),
    }),
    ...modelRoutes({ store, registry: p.models, reconciler, deployer }),
    ...reloadRoutes(p.reload),
    ...planRoutes(p.applier),
    ...logRoutes({ store, logsDir: p.logsDir, closing: p.closing }),
    ...instanceMetricsRoutes({ instanceAddress: (revision, id) => supervisor.ready(revision).find((i) => i.id === id) }),
    ...seriesRoutes(p.series),
  ];
}
