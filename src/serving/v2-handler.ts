/**
 * The HTTP routes of the ONNX server: Open Inference Protocol V2 over REST
 * (server and model metadata, liveness and readiness, infer), plus `/healthz`
 * for the platform's readiness probe and `/metrics` for Prometheus. Only
 * parsing, checking and answering happen here; inference runs in workers.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { MlaasError } from '../errors.js';
import { assertJsonDepth } from '../json-depth.js';
import type { DynamicBatcher } from './dynamic-batcher.js';
import type { ModelSignature, TensorSpec } from './model-signature.js';
import { readLimitedBody } from '../http/read-limited-body.js';
import { sendV2Error, sendV2Json } from './send-v2-json.js';
import type { ServingMetrics } from './serving-metrics.js';
import { validateInferRequest } from './validate-infer-request.js';

export interface LoadedModel {
  signature: ModelSignature;
  batcher: DynamicBatcher;
}

export interface V2HandlerOptions {
  /** Filled in once every model has loaded; until then the server is live but not ready. */
  models: () => ReadonlyMap<string, LoadedModel> | undefined;
  metrics: ServingMetrics;
  maxBodyBytes: number;
  log: Logger;
}

/** The server's own contract version in `GET /v2`; bumped when its answers change. */
export const SERVER_VERSION = '1.0.0';
export const PLATFORM = 'onnxruntime_onnx';

const MODEL_PATH = /^\/v2\/models\/([^/]+)(?:\/versions\/([^/]+))?(?:\/(ready|infer))?$/;

function tensorMetadata(t: TensorSpec): { name: string; datatype: string; shape: number[] } {
  return { name: t.name, datatype: t.datatype, shape: t.shape };
}

function methodNotAllowed(method: string, path: string, allowed: string): MlaasError {
  return new MlaasError('SERVING_METHOD_NOT_ALLOWED', `${path} accepts ${allowed}, got ${method}`, { headers: { allow: allowed } });
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export function createV2Handler(options: V2HandlerOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const { metrics, log } = options;

  function notReady(): MlaasError {
    return new MlaasError('SERVING_NOT_READY', 'the models are still loading');
  }

  function findModel(name: string, version: string | undefined): LoadedModel {
    const models = options.models();
    if (models === undefined) throw notReady();
    const model = models.get(name);
    if (model === undefined) {
      throw new MlaasError('SERVING_MODEL_NOT_FOUND', `no model "${name}"; this server serves ${[...models.keys()].join(', ')}`);
    }
    if (version !== undefined && version !== model.signature.version) {
      throw new MlaasError(
        'SERVING_MODEL_NOT_FOUND',
        `model "${name}" has no version "${version}"; it serves version ${model.signature.version}`,
      );
    }
    return model;
  }

  async function infer(req: IncomingMessage, res: ServerResponse, model: LoadedModel, requestId: string): Promise<void> {
    const { signature, batcher } = model;
    let outcome: 'ok' | 'invalid' | 'overloaded' | 'failed' = 'invalid';
    try {
      const raw = await readLimitedBody(req, options.maxBodyBytes, 'SERVING_BODY_TOO_LARGE');
      let body: unknown;
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch (err) {
        throw new MlaasError('SERVING_JSON_MALFORMED', `request body is not valid JSON: ${(err as Error).message}`);
      }
      assertJsonDepth(body, 'SERVING_INPUT_INVALID');
      const request = validateInferRequest(body, signature);
      outcome = 'overloaded';
      const pending = batcher.infer(request);
      outcome = 'failed';
      const outputs = await pending.catch((err: unknown) => {
        log.error({ err, model: signature.name, requestId }, 'inference failed');
        throw new MlaasError('SERVING_INFERENCE_FAILED', `model "${signature.name}": ${(err as Error).message}`);
      });
      outcome = 'ok';
      const answer: Record<string, unknown> = { model_name: signature.name, model_version: signature.version };
      if (request.id !== undefined) answer['id'] = request.id;
      answer['outputs'] = outputs;
      sendV2Json(res, 200, answer, requestId);
    } finally {
      metrics.request(signature.name, outcome);
    }
  }

  async function route(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> {
    const path = (req.url ?? '/').split('?', 1)[0] as string;
    const method = req.method ?? 'GET';
    const match = MODEL_PATH.exec(path);
    if (match !== null) {
      const model = findModel(decode(match[1] as string), match[2] === undefined ? undefined : decode(match[2]));
      const action = match[3];
      if (action === 'infer') {
        if (method !== 'POST') throw methodNotAllowed(method, path, 'POST');
        return infer(req, res, model, requestId);
      }
      if (method !== 'GET') throw methodNotAllowed(method, path, 'GET');
      const { signature } = model;
      if (action === 'ready') return sendV2Json(res, 200, { name: signature.name, ready: true }, requestId);
      return sendV2Json(
        res,
        200,
        {
          name: signature.name,
          versions: [signature.version],
          platform: PLATFORM,
          inputs: signature.inputs.map(tensorMetadata),
          outputs: signature.outputs.map(tensorMetadata),
        },
        requestId,
      );
    }
    if (method !== 'GET') throw methodNotAllowed(method, path, 'GET');
    switch (path) {
      case '/v2':
        return sendV2Json(res, 200, { name: 'mlaas-onnx', version: SERVER_VERSION, extensions: [] }, requestId);
      case '/v2/health/live':
        return sendV2Json(res, 200, { live: true }, requestId);
      case '/v2/health/ready':
      case '/healthz':
        if (options.models() === undefined) throw notReady();
        return sendV2Json(res, 200, { ready: true }, requestId);
      case '/metrics': {
        const text = await metrics.registry.metrics();
        res.writeHead(200, { 'content-type': metrics.registry.contentType });
        res.end(text);
        return;
      }
      default:
        throw new MlaasError('SERVING_ROUTE_NOT_FOUND', `no route ${method} ${path}`);
    }
  }

  return (req, res) => {
    const header = req.headers['x-request-id'];
    const requestId = typeof header === 'string' && header !== '' ? header : randomUUID();
    route(req, res, requestId).catch((err: unknown) => {
      if (err instanceof MlaasError) {
        sendV2Error(res, err, requestId);
        return;
      }
      if (res.destroyed) {
        // The caller hung up (mid-body, say): not a failure of the server, and nobody to answer.
        log.info({ requestId }, 'client closed the connection');
        return;
      }
      log.error({ err, requestId }, 'request failed');
      sendV2Error(res, new MlaasError('SERVING_INFERENCE_FAILED', 'the server failed to answer; see its log'), requestId);
    });
  };
}
