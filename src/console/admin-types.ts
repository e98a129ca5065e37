/** The shapes of the admin API's answers that the console reads (the parts it shows). */
import type { TrafficPolicy } from '../api/traffic.js';

export interface ServiceSummary {
  name: string;
  url: string;
  latestRevision?: string;
  latestReadyRevision?: string;
  serving: { revision: string; percent: number; tag?: string }[];
  readyInstances: number;
  routes: string[];
}

/** The admin API's traffic policy is the resource model's own (types only: nothing of src/api is bundled). */
export type { TrafficPolicy, TrafficTarget } from '../api/traffic.js';

export interface Revision {
  name: string;
  number: number;
  createdAt: string;
  state: string;
  reason?: string;
  percent: number;
  tags: string[];
  readyInstances?: number;
  fullTrafficAt?: string;
}

export interface ServiceDetail extends ServiceSummary {
  traffic?: TrafficPolicy;
  revisions: Revision[];
  conditions: { type: string; status: string; reason?: string; message?: string }[];
}

export interface ServiceSamples {
  t: number[];
  rps: number[];
  errorsPerSecond: number[];
  p50Ms: (number | null)[];
  p99Ms: (number | null)[];
  instances: number[];
}

export interface Figures {
  rps: number;
  errorsPerSecond: number;
  p50Ms: number | null;
  p99Ms: number | null;
}

export interface Series {
  intervalMs: number;
  services: Record<string, ServiceSamples>;
  lastMinute: Record<string, Figures>;
}

export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  action: string;
  target: string;
  detail: Record<string, unknown>;
}

export interface ModelVersion {
  version: number;
  format?: string;
  sha256: string;
  size: number;
  createdAt: string;
  aliases: string[];
  usedBy: string[];
}

export interface ModelSummary {
  name: string;
  versions: number[];
  latest: number;
  aliases: Record<string, number>;
}

export interface Quota {
  requestsPerMinute: number;
  burst?: number;
}

export interface Tenant {
  id: string;
  displayName: string;
  config: Record<string, unknown>;
  attributes: Record<string, unknown>;
  quota?: Quota;
  keyQuota?: Quota;
}

export interface ApiKey {
  id: string;
  tenantId: string;
  description?: string;
  createdAt: string;
  expiresAt?: string;
  revokedAt?: string;
  lastUsedAt?: string;
  scopes?: string[];
  quota?: Quota;
}
