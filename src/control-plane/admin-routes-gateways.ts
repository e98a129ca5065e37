/**
 * Where gateways in other processes (`mlaas gateway`) report what they
 * applied and their load (api/gateway-report.ts). Public to the admin token,
 * like the key set: a gateway holds no admin token, it shows the activator's
 * token instead, which only a reader of the store knows.
 */
import { timingSafeEqual } from 'node:crypto';
import { GATEWAY_REPORT_PATH, GatewayReportSchema, type GatewayReport } from '../api/gateway-report.js';
import { MlaasError } from '../errors.js';
import { ACTIVATOR_TOKEN_HEADER } from '../gateway/forward-headers.js';
import { defineRoute, type AdminRoute } from './admin-router.js';
import type { GatewayReplicas } from './gateway-replicas.js';

export function gatewayReportRoutes(replicas: GatewayReplicas, token: string): AdminRoute[] {
  const expected = Buffer.from(token);
  return [
    defineRoute<GatewayReport>({
      method: 'POST',
      path: GATEWAY_REPORT_PATH,
      body: GatewayReportSchema,
      handle: ({ body, headers }) => {
        const sent = headers?.[ACTIVATOR_TOKEN_HEADER];
        const given = Buffer.from(typeof sent === 'string' ? sent : '');
        if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
          throw new MlaasError('ADMIN_GATEWAY_REFUSED', `gateway reports need the activator's token in ${ACTIVATOR_TOKEN_HEADER}`);
        }
        replicas.report(body);
        return { status: 204 };
      },
    }),
  ];
}
