/**
 * What `mlaas up` observes itself with, made from mlaas.yaml's `metrics` and
 * `requestLogs`: the Prometheus registry and the platform's metrics in it,
 * the request log (`<stateDir>/logs/requests.log`, rotated by size), and the
 * listener of `metrics.port` when one is set. Each is absent when turned off.
 */
import type { Server } from 'node:http';
import path from 'node:path';
import type { MlaasConfig } from './config/index.js';
import { createMetricsServer } from './control-plane/metrics-server.js';
import type { GatewayMetricsOptions } from './gateway/gateway-metrics.js';
import { RequestLog, type LineDestination } from './gateway/request-log.js';
import { ClusterMetricsRegistry } from './metrics/cluster-metrics-registry.js';
import { PlatformMetrics, type PlatformSources } from './metrics/platform-metrics.js';
import { SizeRotatedFile } from './size-rotated-file.js';

export interface PlatformObservability {
  /** Adds up gateway workers' metrics once told where they are (gateway.workers > 1). */
  registry: ClusterMetricsRegistry;
  /** Undefined when `metrics.enabled` is false. */
  metrics: PlatformMetrics | undefined;
  gatewayMetrics: GatewayMetricsOptions | undefined;
  requestLog: RequestLog | undefined;
  /** Where the request log's lines go: gateway workers' lines are written here too, by this one process. */
  requestLogFile: LineDestination | undefined;
  /** The listener of `metrics.port`, not listening yet. */
  metricsServer: Server | undefined;
  /** Flushes and closes the request log. */
  close(): Promise<void>;
}

/** `sources` are read at scrape time only, so they may name parts made after this. */
export function platformObservability(config: MlaasConfig, logsDir: string, sources: PlatformSources): PlatformObservability {
  const registry = new ClusterMetricsRegistry();
  const on = config.metrics.enabled;
  const { requestLogs } = config;
  const file = requestLogs.enabled
    ? new SizeRotatedFile({ file: path.join(logsDir, 'requests.log'), maxBytes: requestLogs.maxFileBytes, keep: requestLogs.keepFiles })
    : undefined;
  return {
    registry,
    metrics: on ? new PlatformMetrics(registry, sources) : undefined,
    gatewayMetrics: on ? { registry, tenantLabels: config.metrics.tenantLabels } : undefined,
    requestLog: file === undefined ? undefined : new RequestLog({ destination: file, sample: requestLogs.sample }),
    requestLogFile: file,
    metricsServer: on && config.metrics.port !== undefined ? createMetricsServer(registry) : undefined,
    close: async () => file?.close(),
  };
}
