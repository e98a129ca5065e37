import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN_FILE, ensureAdminToken } from './admin-token.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlaas-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('ensureAdminToken', () => {
  it('creates an owner-only token file at first start', () => {
    const stateDir = path.join(dir, '.mlaas');
    const token = ensureAdminToken(stateDir);
    expect(token.length).toBeGreaterThanOrEqual(40);
    const file = path.join(stateDir, ADMIN_TOKEN_FILE);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(file, 'utf8').trim()).toBe(token);
  });

  it('answers the same token on later starts', () => {
    const first = ensureAdminToken(dir);
    expect(ensureAdminToken(dir)).toBe(first);
  });

  it('makes a different token for a different state directory', () => {
    const other = path.join(dir, 'other');
    expect(ensureAdminToken(dir)).not.toBe(ensureAdminToken(other));
  });

  it('refuses an empty token file rather than accept an empty token', () => {
    fs.writeFileSync(path.join(dir, ADMIN_TOKEN_FILE), '\n', { mode: 0o600 });
    expect(() => ensureAdminToken(dir)).toThrow(/empty/);
  });
});
