/**
 * The activator's door for gateways in other processes (`mlaas gateway`),
 * as Knative's ingress sends a revision at zero's requests to the activator:
 * a request arrives already admitted (key, quota, tenant config) and routed
 * (`x-mlaas-revision`), waits here for an instance through the cold start
 * (poking the autoscaler, counted in the revision's load), and is forwarded
 * like one of this gateway's own. Only a sender that read the store, and so
 * knows the token, is served; nothing a caller sends reaches this listener
 * directly (it listens on loopback, its address only in the store).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';
import { MlaasError } from '../errors.js';
import { sendError, sendProblem } from '../http/index.js';
import { readLimitedBody } from '../http/read-limited-body.js';
import type { Activator } from './activator.js';
import { errorMessage, RETRY_SOON, type BackendCall } from './backend-call.js';
import { ACTIVATOR_TOKEN_HEADER, activatedHeaders } from './forward-headers.js';
import { requestIdOf } from './trace-context.js';
import type { Upstream } from './upstream-pools.js';

/** Knative's longest revision timeout (max-revision-timeout-seconds). */
const MAX_HOLD_MS = 3_600_000;

export interface ActivatorEndpointOptions {
  token: string;
  activator: Activator;
  maxBodyBytes: number;
  logger: Logger;
  now: () => number;
  /** Sends the call to the slot held on `revision` and streams the answer back (the gateway's own forwarding). */
  forward(res: ServerResponse, held: Upstream, revision: string, call: BackendCall): Promise<void>;
}

export function activatorEndpoint(options: ActivatorEndpointOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const { activator, logger, now } = options;
  const expected = Buffer.from(options.token);

  async function activate(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> {
    const sent = req.headers[ACTIVATOR_TOKEN_HEADER];
    const given = Buffer.from(typeof sent === 'string' ? sent : '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return sendProblem(res, 'GW_ACTIVATOR_REFUSED', 'the activator takes requests only from gateways of this platform', requestId);
    }
    const revision = req.headers['x-mlaas-revision'];
    if (typeof revision !== 'string' || !activator.knows(revision)) {
      return sendProblem(res, 'GW_NO_INSTANCE', `revision ${String(revision)} is not run by this control plane`, requestId, RETRY_SOON);
    }
    const body = await readLimitedBody(req, options.maxBodyBytes, 'GW_BODY_TOO_LARGE');
    // Every revision the runtime runs has its timeoutSeconds; the sending gateway's own deadline bounds it too.
    const deadlineMs = Math.min(activator.timeoutOf(revision), MAX_HOLD_MS);
    const deadlineAt = now() + deadlineMs;
    const slot = activator.acquire(revision, deadlineAt);
    const held = slot instanceof Promise ? await slot : slot;
    const call: BackendCall = {
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      headers: activatedHeaders(req.headers),
      body,
      deadlineMs,
      deadlineAt,
      requestId,
      shadow: undefined,
    };
    await options.forward(res, held, revision, call);
  }

  return (req, res) => {
    const requestId = requestIdOf(req.headers['x-request-id']);
    res.setHeader('x-request-id', requestId);
    activate(req, res, requestId).catch((err: unknown) => {
      if (res.headersSent || res.destroyed) return;
      if (err instanceof MlaasError) sendError(res, err, requestId);
      else {
        logger.error({ err: errorMessage(err), requestId }, 'activator request failed');
        sendProblem(res, 'GW_INTERNAL', 'the activator failed to handle this request', requestId);
      }
    });
  };
}
