/**
 * The web console on the admin API: its pages (one HTML shell; the bundle
 * in `dist/console`, built by `npm run build`, draws each page), the bundle
 * itself, and sign-in / sign-out. A page asked for without a session
 * redirects to `/sign-in`; the bundle holds no data and is served to anyone.
 * Every admin answer carries `CONSOLE_SECURITY_HEADERS` (see admin-api.ts).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { MlaasError } from '../errors.js';
import { tokenMatches } from './admin-auth.js';
import { defineRoute, type AdminReply, type AdminRoute } from './admin-router.js';
import { clearedSessionCookie, sessionCookie, type ConsoleSessions } from './console-sessions.js';

/** No inline script or style, no eval, nothing from another origin; no framing. */
export const CONSOLE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

export const CONSOLE_SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-security-policy': CONSOLE_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
});

/** The console's pages; the bundle's router draws the one the path names. */
export const CONSOLE_PAGES = ['/', '/services/:name', '/models', '/tenants', '/flags', '/audit'] as const;
export const SIGN_IN_PAGE = '/sign-in';

const SHELL = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>mlaas console</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/console/app.css">
<script type="module" src="/console/app.js"></script>
</head>
<body><div id="app"></div></body>
</html>
`;

interface Asset {
  contentType: string;
  content: string;
}

export interface ConsoleRouteDeps {
  sessions: ConsoleSessions;
  tokenDigest: Buffer;
  /** The folder of the built bundle (`app.js`, `app.css`). */
  assetsDir: string;
}

const signInBody = z.strictObject({ token: z.string().min(1).max(1000) });

/** `open`: served without the admin token (each decides by itself); `signedIn`: behind it, as every admin route. */
export function consoleRoutes({ sessions, tokenDigest, assetsDir }: ConsoleRouteDeps): { open: AdminRoute[]; signedIn: AdminRoute[] } {
  const assets = new Map<string, Asset | undefined>([
    ['app.js', readAsset(assetsDir, 'app.js', 'text/javascript; charset=utf-8')],
    ['app.css', readAsset(assetsDir, 'app.css', 'text/css; charset=utf-8')],
  ]);
  const shell = (): AdminReply => {
    if (assets.get('app.js') === undefined) {
      throw new MlaasError('ADMIN_CONSOLE_NOT_BUILT', `the console's bundle is not in ${assetsDir}: run \`npm run build\``);
    }
    return { status: 200, headers: { 'cache-control': 'no-store' }, text: { contentType: 'text/html; charset=utf-8', content: SHELL } };
  };
  const open = [
    ...CONSOLE_PAGES.map((page) =>
      defineRoute({
        method: 'GET',
        path: page,
        handle: ({ session }) => (session === undefined ? { status: 303, headers: { location: SIGN_IN_PAGE } } : shell()),
      }),
    ),
    defineRoute({ method: 'GET', path: SIGN_IN_PAGE, handle: shell }),
    defineRoute({
      method: 'GET',
      path: '/console/:file',
      handle: ({ params }) => {
        const asset = assets.get(params.file ?? '');
        if (asset === undefined) throw new MlaasError('ADMIN_ROUTE_NOT_FOUND', `the console has no file ${params.file}`);
        return { status: 200, headers: { 'cache-control': 'no-cache' }, text: asset };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/v1/session',
      body: signInBody,
      handle: ({ body }) => {
        if (!tokenMatches(body.token, tokenDigest)) {
          throw new MlaasError('ADMIN_TOKEN_MISSING', 'that is not the admin token (see <stateDir>/admin-token)');
        }
        const session = sessions.create();
        return {
          status: 201,
          headers: { 'set-cookie': sessionCookie(session), 'cache-control': 'no-store' },
          body: { csrfToken: session.csrfToken, expiresAt: new Date(session.expiresAtMs).toISOString() },
        };
      },
    }),
  ];
  const signedIn = [
    defineRoute({
      method: 'GET',
      path: '/v1/session',
      handle: ({ session }) => {
        // The CLI's token has no session: it has nothing to ask here.
        if (session === undefined) throw new MlaasError('ADMIN_NOT_FOUND', 'no console session: this request used the admin token');
        return { status: 200, headers: { 'cache-control': 'no-store' }, body: { csrfToken: session.csrfToken, expiresAt: new Date(session.expiresAtMs).toISOString() } };
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: '/v1/session',
      handle: ({ session }) => {
        if (session !== undefined) sessions.delete(session.id);
        return { status: 204, headers: { 'set-cookie': clearedSessionCookie() } };
      },
    }),
  ];
  return { open, signedIn };
}

function readAsset(dir: string, file: string, contentType: string): Asset | undefined {
  try {
    return { contentType, content: readFileSync(path.join(dir, file), 'utf8') };
  } catch {
    return undefined;
  }
}
