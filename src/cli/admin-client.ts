/**
 * How CLI commands reach a running platform's admin API: the address from
 * `<stateDir>/endpoint.json` (written by `mlaas up`) and the bearer token
 * from `<stateDir>/admin-token`, each overridable by flag or environment.
 * Whatever says no platform is there — no endpoint file, no token, a refused
 * connection — every command reports it in the same words (`PlatformNotRunning`).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { MlaasError, type ErrorCode, type FieldIssue } from '../errors.js';
import { flagNamesOf, type FlagNames } from './flag-names.js';
import { UsageError } from './usage-error.js';

export interface AdminTarget {
  url: string;
  token: string;
  /** Where the address came from, for the "not running" message. */
  stateDir: string;
  adminUrlGiven: boolean;
}

export interface AdminFlags {
  stateDir: string;
  adminUrl?: string;
  token?: string;
}

/** No platform answers for this state dir (or admin URL): the one text every command prints for it. */
export class PlatformNotRunning extends Error {
  override readonly name = 'PlatformNotRunning';

  constructor(where: { stateDir: string; url?: string }) {
    const at = where.url === undefined ? `for state dir ${path.resolve(where.stateDir)}` : `at ${where.url}`;
    super(`no mlaas platform is running ${at} (start one with \`mlaas up\`, or pass --state-dir / --admin-url)`);
  }
}

/** Adds the flags every admin-API command shares. */
export function withAdminFlags(cmd: Command): Command {
  return cmd
    .option('--state-dir <dir>', 'state directory of the running platform', process.env['MLAAS_STATE_DIR'] ?? '.mlaas')
    .option('--admin-url <url>', 'admin API address (default: from <state-dir>/endpoint.json)', process.env['MLAAS_ADMIN_URL'])
    .option('--token <token>', 'admin token (default: <state-dir>/admin-token)', process.env['MLAAS_ADMIN_TOKEN']);
}

export function adminTarget(flags: AdminFlags): AdminTarget {
  if (flags.adminUrl !== undefined && !(URL.canParse(flags.adminUrl) && /^https?:$/.test(new URL(flags.adminUrl).protocol))) {
    throw new UsageError(`--admin-url: expected an http(s) URL, got ${flags.adminUrl}`);
  }
  const notRunning = new PlatformNotRunning({ stateDir: flags.stateDir });
  const url = flags.adminUrl ?? readEndpoint(flags.stateDir, notRunning);
  // Given an address, a missing token is not a missing platform.
  const noToken =
    flags.adminUrl === undefined
      ? notRunning
      : new Error(`no admin token for ${flags.adminUrl}: pass --token (or MLAAS_ADMIN_TOKEN), or the --state-dir of that platform`);
  const token = flags.token ?? readText(path.join(flags.stateDir, 'admin-token'), noToken).trim();
  return { url, token, stateDir: flags.stateDir, adminUrlGiven: flags.adminUrl !== undefined };
}

/** `fetch` to the admin API; a connection that fails means no platform is running there. */
export async function adminFetch(target: AdminTarget, route: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(new URL(route, target.url), { ...init, headers: { authorization: `Bearer ${target.token}`, ...init.headers } });
  } catch {
    throw new PlatformNotRunning(target.adminUrlGiven ? { stateDir: target.stateDir, url: target.url } : { stateDir: target.stateDir });
  }
}

/**
 * Calls the admin API; a problem+json answer becomes an MlaasError with its
 * code and field issues, the issues named by `flags` (the command's flags for
 * the body fields it sent) where it names them.
 */
export async function callAdmin<T>(target: AdminTarget, method: string, route: string, body?: unknown, flags?: FlagNames): Promise<T> {
  const res = await adminFetch(target, route, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? null : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) {
    const problem = parseJson(text) as { code?: ErrorCode; detail?: string; errors?: FieldIssue[] } | undefined;
    if (problem?.code !== undefined) {
      const error = new MlaasError(problem.code, problem.detail ?? `admin API answered ${res.status}`, { errors: problem.errors ?? [] });
      throw flags === undefined ? error : flagNamesOf(error, flags);
    }
    throw new Error(`admin API answered ${res.status}: ${text.slice(0, 200)}`);
  }
  return (text === '' ? undefined : JSON.parse(text)) as T;
}

function readEndpoint(stateDir: string, notRunning: Error): string {
  const file = path.join(stateDir, 'endpoint.json');
  const endpoint = parseJson(readText(file, notRunning)) as { adminUrl?: string } | undefined;
  if (typeof endpoint?.adminUrl !== 'string') throw new Error(`${file}: expected {"adminUrl": "..."}`);
  return endpoint.adminUrl;
}

function readText(file: string, missing: Error): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    throw missing;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
