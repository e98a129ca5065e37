/**
 * `GET /healthz` of `mlaas gateway`, on a listener of its own so that no
 * route of the gateway document is shadowed: 200 while it serves, with the
 * state of its snapshot (stale when the store cannot be read, and since
 * when it last could), for load balancers and operators alike.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendProblem } from '../http/index.js';
import type { SnapshotHealth } from './snapshot-refresher.js';
import { requestIdOf } from './trace-context.js';

export function healthEndpoint(health: () => SnapshotHealth): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const requestId = requestIdOf(req.headers['x-request-id']);
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/healthz') return sendProblem(res, 'GW_ROUTE_NOT_FOUND', `the health listener serves only /healthz, got ${path}`, requestId);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return sendProblem(res, 'GW_METHOD_NOT_ALLOWED', `/healthz accepts GET, got ${req.method}`, requestId, { allow: 'GET, HEAD' });
    }
    const snapshot = health();
    const body = JSON.stringify({ status: snapshot.stale ? 'serving a stale snapshot' : 'serving', snapshot });
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store', 'x-request-id': requestId });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
}
