/**
 * How CLI commands reach a running platform's admin API: the address from
 * `<stateDir>/endpoint.json` (written by `mlaas up`) and the bearer token
 * from `<stateDir>/admin-token`, each overridable by flag or environment.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { MlaasError, type ErrorCode, type FieldIssue } from '../errors.js';

export interface AdminTarget {
  url: string;
  token: string;
}

export interface AdminFlags {
  stateDir: string;
  adminUrl?: string;
  token?: string;
}

/** Adds the flags every admin-API command shares. */
export function withAdminFlags(cmd: Command): Command {
  return cmd
    .option('--state-dir <dir>', 'state directory of the running platform', process.env['MLAAS_STATE_DIR'] ?? '.mlaas')
    .option('--admin-url <url>', 'admin API address (default: from <state-dir>/endpoint.json)', process.env['MLAAS_ADMIN_URL'])
    .option('--token <token>', 'admin token (default: <state-dir>/admin-token)', process.env['MLAAS_ADMIN_TOKEN']);
}

export function adminTarget(flags: AdminFlags): AdminTarget {
  const url = flags.adminUrl ?? readEndpoint(flags.stateDir);
  const token = flags.token ?? readText(path.join(flags.stateDir, 'admin-token'), 'the admin token').trim();
  return { url, token };
}

/** Calls the admin API; a problem+json answer becomes an MlaasError with its code and field issues. */
export async function callAdmin<T>(target: AdminTarget, method: string, route: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(new URL(route, target.url), {
      method,
      headers: {
        authorization: `Bearer ${target.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? null : JSON.stringify(body),
    });
  } catch {
    throw new Error(`cannot reach the admin API at ${target.url}: is \`mlaas up\` running?`);
  }
  const text = await res.text();
  if (!res.ok) {
    const problem = parseJson(text) as { code?: ErrorCode; detail?: string; errors?: FieldIssue[] } | undefined;
    if (problem?.code !== undefined) {
      throw new MlaasError(problem.code, problem.detail ?? `admin API answered ${res.status}`, { errors: problem.errors ?? [] });
    }
    throw new Error(`admin API answered ${res.status}: ${text.slice(0, 200)}`);
  }
  return (text === '' ? undefined : JSON.parse(text)) as T;
}

function readEndpoint(stateDir: string): string {
  const file = path.join(stateDir, 'endpoint.json');
  const endpoint = parseJson(readText(file, 'the address of a running platform')) as { adminUrl?: string } | undefined;
  if (typeof endpoint?.adminUrl !== 'string') throw new Error(`${file}: expected {"adminUrl": "..."}`);
  return endpoint.adminUrl;
}

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    throw new Error(`cannot read ${what} from ${file}: is \`mlaas up\` running here (or pass --state-dir)?`);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
