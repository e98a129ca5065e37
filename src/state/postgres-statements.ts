/**
 * The statements PostgresStateStore runs: those of the SQLite store
 * (sqlite-state-store.ts), with PostgreSQL's `$n` parameters.
 */
export const SQL = {
  upsertService: `INSERT INTO services (name, spec, created_at, updated_at) VALUES ($1, $2, $3, $4)
    ON CONFLICT (name) DO UPDATE SET spec = excluded.spec, updated_at = excluded.updated_at
    RETURNING *`,
  getService: 'SELECT * FROM services WHERE name = $1',
  listServices: 'SELECT * FROM services ORDER BY name',
  deleteService: 'DELETE FROM services WHERE name = $1',
  upsertTenant: `INSERT INTO tenants (id, display_name, config, attributes, quota, key_quota, created_at, updated_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
    ON CONFLICT (id) DO UPDATE SET display_name = excluded.display_name, config = excluded.config,
      attributes = excluded.attributes, quota = excluded.quota, key_quota = excluded.key_quota,
      updated_at = excluded.updated_at
    RETURNING *`,
  getTenant: 'SELECT * FROM tenants WHERE id = $1',
  listTenants: 'SELECT * FROM tenants ORDER BY id',
  deleteTenant: 'DELETE FROM tenants WHERE id = $1',
  countTenantKeys: 'SELECT count(*) AS n FROM api_keys WHERE tenant_id = $1',
  insertKey: `INSERT INTO api_keys (id, tenant_id, hash, created_at, expires_at, description, scopes, quota, allow_tags, rotated_from)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
    RETURNING *`,
  expireKey: 'UPDATE api_keys SET expires_at = $1 WHERE id = $2',
  getFlags: 'SELECT document FROM flags WHERE id = 1',
  setFlags: `INSERT INTO flags (id, document, updated_at) VALUES (1, $1, $2)
    ON CONFLICT (id) DO UPDATE SET document = excluded.document, updated_at = excluded.updated_at`,
  getApplied: 'SELECT declaration FROM applied WHERE resource = $1',
  setApplied: `INSERT INTO applied (resource, declaration, applied_at) VALUES ($1, $2, $3)
    ON CONFLICT (resource) DO UPDATE SET declaration = excluded.declaration, applied_at = excluded.applied_at`,
  deleteApplied: 'DELETE FROM applied WHERE resource = $1',
  getKey: 'SELECT * FROM api_keys WHERE id = $1',
  listKeys: 'SELECT * FROM api_keys ORDER BY created_at, id',
  listTenantKeys: 'SELECT * FROM api_keys WHERE tenant_id = $1 ORDER BY created_at, id',
  revokeKey: 'UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL RETURNING *',
  touchKey: 'UPDATE api_keys SET last_used_at = $1 WHERE id = $2',
  insertAudit: 'INSERT INTO audit_log (at, actor, action, target, detail) VALUES ($1, $2, $3, $4, $5) RETURNING *',
  listAudit: 'SELECT * FROM audit_log ORDER BY id DESC LIMIT $1',
  maxRevisionNumber: 'SELECT max(number) AS n FROM revisions WHERE service = $1',
  insertRevision: `INSERT INTO revisions (name, service, number, spec, created_at, state) VALUES ($1, $2, $3, $4, $5, 'pending') RETURNING *`,
  getRevision: 'SELECT * FROM revisions WHERE name = $1',
  listRevisions: 'SELECT * FROM revisions ORDER BY service, number',
  listServiceRevisions: 'SELECT * FROM revisions WHERE service = $1 ORDER BY number',
  setRevisionState: 'UPDATE revisions SET state = $1, reason = $2 WHERE name = $3 RETURNING *',
  markFullTraffic: 'UPDATE revisions SET full_traffic_at = $1 WHERE name = $2',
  markInactive: 'UPDATE revisions SET last_active_at = $1 WHERE name = $2',
  deleteRevision: 'DELETE FROM revisions WHERE name = $1 RETURNING service',
  deleteServiceRevisions: 'DELETE FROM revisions WHERE service = $1',
  deleteTraffic: 'DELETE FROM traffic WHERE service = $1',
  getTraffic: 'SELECT policy FROM traffic WHERE service = $1',
  setTraffic: `INSERT INTO traffic (service, policy, updated_at) VALUES ($1, $2, $3)
    ON CONFLICT (service) DO UPDATE SET policy = excluded.policy, updated_at = excluded.updated_at`,
  setReadyInstances: `INSERT INTO ready_instances (revision, instances, updated_at) VALUES ($1, $2, $3)
    ON CONFLICT (revision) DO UPDATE SET instances = excluded.instances, updated_at = excluded.updated_at`,
  deleteReadyInstances: 'DELETE FROM ready_instances WHERE revision = $1',
  listReadyInstances: 'SELECT * FROM ready_instances ORDER BY revision',
  setActivator: `INSERT INTO activator (id, url, token, issuer, updated_at) VALUES (1, $1, $2, $3, $4)
    ON CONFLICT (id) DO UPDATE SET url = excluded.url, token = excluded.token, issuer = excluded.issuer, updated_at = excluded.updated_at`,
  deleteActivator: 'DELETE FROM activator',
  getActivator: 'SELECT url, token, issuer FROM activator WHERE id = 1',
} as const;
