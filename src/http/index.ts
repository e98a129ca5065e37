/** The HTTP kernel shared by the gateway and the admin API (see http-server.ts); read-limited-body.ts serves the SDK and the ONNX server too. */
export { createHttpServer, type HttpServerOptions, type RequestHandler } from './http-server.js';
export {
  ADMIN_LISTENER,
  ADMIN_MAX_CONNECTIONS,
  ADMIN_TIMEOUTS,
  GATEWAY_LISTENER,
  GATEWAY_TIMEOUTS,
  defaultGatewayMax,
  type ConnectionLimits,
  type Listener,
  type ListenerCodes,
} from './listener.js';
export { sendError, sendProblem } from './send-problem.js';
