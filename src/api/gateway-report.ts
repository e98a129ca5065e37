/**
 * What a gateway in another process (`mlaas gateway`) tells the control
 * plane a few times a second: which change of the store its snapshot has
 * applied (the newest audit entry it read, so that the admin API can answer a
 * change only once every live gateway serves it), and the requests it is
 * handling per revision (so that the autoscaler sees them beside the
 * in-process gateway's, and its request counts beside them). Sent to the admin API with the activator's token.
 */
import { z } from 'zod';

/** The path on the admin API (the activator's `issuer`) a gateway reports to. */
export const GATEWAY_REPORT_PATH = '/v1/gateways/report';

export const GatewayReportSchema = z.strictObject({
  /** Unique per gateway process; a restarted gateway is a new one. */
  id: z.string().min(1).max(200),
  /** The id of the newest audit entry its serving snapshot was read after (0: none yet). */
  applied: z.number().int().nonnegative(),
  /** Revision → requests in flight through this gateway's own instance slots; a revision with none is absent. */
  inFlight: z.record(z.string().min(1).max(200), z.number().int().nonnegative()),
  /** Revision → requests this gateway sent it since it started (a counter, for `metric: rps`); a revision with none is absent. */
  requests: z.record(z.string().min(1).max(200), z.number().int().nonnegative()),
});

export type GatewayReport = z.infer<typeof GatewayReportSchema>;
