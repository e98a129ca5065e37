/**
 * The platform of the gateway-floor benchmarks: one keyed route,
 * `POST /v1/predict`, to platform service `floor` (`mlaas://floor`, key in
 * the `x-api-key` header), whose one instance is a minimal backend — a fixed
 * 40-byte JSON answer, so that what is measured is the proxies' own cost.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { MlaasUp } from '../test/e2e/mlaas-process.js';
import { writeProxyPlatform } from './proxy-platform.js';

export const FLOOR_ANSWER = '{"ok":true,"label":"ham","score":0.0001}';
export const FLOOR_BODY = '{"text":"hello"}';

/** The minimal backend's source: listens on $PORT (or argv[2]) on loopback. */
export const FLOOR_SERVER = `import http from 'node:http';
const answer = Buffer.from(${JSON.stringify(FLOOR_ANSWER)});
const head = { 'content-type': 'application/json', 'content-length': String(answer.length) };
const server = http.createServer((req, res) => { req.resume(); req.on('end', () => res.writeHead(200, head).end(answer)); });
server.listen(Number(process.env.PORT ?? process.argv[2]), '127.0.0.1', () => process.stdout.write('ready\\n'));
process.on('SIGTERM', () => { server.close(() => process.exit(0)); server.closeIdleConnections(); });
`;

/** Writes the platform into `root`; `gateway`: mlaas.yaml's `gateway:` settings beside the document. */
export function writeFloorPlatform(root: string, gateway = 'workers: 1'): void {
  const source = path.join(root, 'floor');
  mkdirSync(source, { recursive: true });
  writeFileSync(path.join(source, 'server.mjs'), FLOOR_SERVER);
  writeProxyPlatform(root, 'mlaas://floor', {
    title: 'gateway floor bench',
    gateway,
    settings: `services:
  floor:
    source: floor
    command: [node, server.mjs]
    scaling: { minInstances: 1, maxInstances: 1 }`,
  });
}

/** The port of the floor service's one instance, once it is ready. */
export async function instancePortOf(up: MlaasUp): Promise<number> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const status = JSON.parse(await up.cliOk(['status', '-o', 'json'])) as { services: { ready?: number; instances: { port?: number }[] }[] };
    const port = status.services[0]?.instances[0]?.port;
    if (port !== undefined && (status.services[0]?.ready ?? 0) > 0) return port;
    if (Date.now() > deadline) throw new Error('the floor service has no ready instance');
    await new Promise((r) => setTimeout(r, 200));
  }
}
