/**
 * The admin token: the one bearer secret that guards the admin API. It lives
 * in `<stateDir>/admin-token`, readable by the owner only, so that the CLI on
 * the same machine can find it and nobody else can.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export const ADMIN_TOKEN_FILE = 'admin-token';

/**
 * Answers the admin token, creating it on first start.
 *
 * @example
 * const token = ensureAdminToken('.mlaas'); // same value on every later start
 */
export function ensureAdminToken(stateDir: string, random: (size: number) => Buffer = randomBytes): string {
  fs.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const file = path.join(stateDir, ADMIN_TOKEN_FILE);
  const fresh = `mlat_${random(32).toString('base64url')}`;
  try {
    // `wx` fails if the file exists, and `mode` applies at creation, so the
    // token is never readable by others, not even between create and chmod.
    fs.writeFileSync(file, `${fresh}\n`, { mode: 0o600, flag: 'wx' });
    return fresh;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const existing = fs.readFileSync(file, 'utf8').trim();
  if (existing === '') throw new Error(`${file}: admin token file is empty; delete it to have a new token made`);
  return existing;
}
