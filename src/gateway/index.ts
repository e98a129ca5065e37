/** The gateway (data plane): see gateway-server.ts. */
export { createGateway, type Gateway, type GatewayOptions, type InstanceSource } from './gateway-server.js';
export type { ReadyInstance } from './upstream-pools.js';
