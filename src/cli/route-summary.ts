/**
 * The routes part of `mlaas up`'s summary: what the gateway document of the
 * config it started serves (method, path, backend), and a curl line for the
 * first route to a platform service, with a demo key where that route's
 * security asks for one.
 */
import type { GatewayOperation } from '../config/index.js';

/** More routes than this are counted, not listed: the summary must stay readable. */
const LISTED_ROUTES = 10;

export function routeLines(operations: readonly GatewayOperation[]): string[] {
  const lines = operations.slice(0, LISTED_ROUTES).map((op) => {
    const to = op.backend.kind === 'service' ? `${op.backend.service}${op.backend.tag === undefined ? '' : `@${op.backend.tag}`}` : op.backend.url;
    return `  route     ${op.method} ${op.path} → ${to}`;
  });
  if (operations.length > LISTED_ROUTES) lines.push(`  route     … and ${operations.length - LISTED_ROUTES} more`);
  return lines;
}

/** A first call to try: the first POST or GET route to a platform service with no path parameter. */
export function tryLines(gatewayUrl: string, operations: readonly GatewayOperation[], demoKey: string | undefined): string[] {
  const op = operations.find((o) => o.backend.kind === 'service' && (o.method === 'POST' || o.method === 'GET') && !o.path.includes('{'));
  if (op === undefined) return [];
  // The first way of authenticating that a key alone satisfies; none when the route is open.
  const keyScheme = op.security.find((group) => group.length === 1 && group[0]?.type === 'apiKey')?.[0];
  if (op.security.length > 0 && (keyScheme?.type !== 'apiKey' || demoKey === undefined)) return [];
  let url = `${gatewayUrl}${op.path}`;
  let header = '';
  if (keyScheme?.type === 'apiKey') {
    if (keyScheme.in === 'query') url += `?${keyScheme.keyName}=${demoKey ?? ''}`;
    else header = ` -H '${keyScheme.keyName}: ${demoKey ?? ''}'`;
  }
  const body = op.method === 'POST' ? ` \\\n    -H 'content-type: application/json' -d '{"text":"WIN a FREE prize now, click here!"}'` : '';
  return ['', 'try:', `  curl -s '${url}'${header}${body}`];
}
