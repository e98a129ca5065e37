/**
 * Black-box, in a real browser: Debian's chromium (playwright-core) against
 * the web console of a real `mlaas up` of the spam-filter demo. Sign in with
 * the admin token; see the demo's services; change a split in the traffic
 * editor and see it in `mlaas revisions`; roll back; create a key, call the
 * gateway with it, revoke it and see the gateway answer 401; the flags
 * editor lists errors by path. No page breaks its Content-Security-Policy or
 * asks for anything outside the admin API. A screenshot of each page goes to
 * docs/console/ (linked from the README).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './chromium-browser.js';
import { startMlaasUp, waitUntil, type MlaasUp } from './mlaas-process.js';
import { ensureSpamModel, HAM_TEXT, REPO, SPAM_MODEL } from './spam-model.js';

const SHOTS = path.join(REPO, 'docs', 'console');

let dir: string;
let up: MlaasUp;
let adminUrl: string;
let browser: { context: BrowserContext; close: () => Promise<void> };
let page: Page;
const problems: string[] = [];
/** A trickle of requests while the test runs (bounded: at most 400, 10 a second), for the live charts to draw. */
let loading = true;
let load: Promise<void> | undefined;

function predict(key: string): Promise<number> {
  return fetch(`${up.gatewayUrl}/v1/spam-filter/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': key },
    body: JSON.stringify({ text: HAM_TEXT }),
  }).then(async (res) => {
    await res.arrayBuffer();
    return res.status;
  });
}

async function servingOf(service: string): Promise<Record<string, number>> {
  const revisions = JSON.parse(await up.cliOk(['revisions', service, '-o', 'json'])) as { name: string; percent: number }[];
  return Object.fromEntries(revisions.map((r) => [r.name, r.percent]));
}

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

beforeAll(async () => {
  ensureSpamModel();
  dir = mkdtempSync(path.join(os.tmpdir(), 'mlaas-console-e2e-'));
  writeFileSync(
    path.join(dir, 'mlaas.yaml'),
    `gateway: { document: ${path.join(REPO, 'api-gateway.yaml')} }
stateDir: state
models:
  seed: { spam: { file: ${SPAM_MODEL}, alias: production } }
services:
  spam-filter:
    source: ${path.join(REPO, 'examples', 'spam-filter')}
    command: [node, dist/server.js]
    models: { classifier: spam@production }
    scaling: { minInstances: 1 }
  inference:
    runtime: onnx
    models: { spam: spam@production }
    onnx: { padding: { indices: 0 } }
    scaling: { minInstances: 1 }
tenants:
  demo: { displayName: Demo tenant, demoKey: true, config: { threshold: 0.5 } }
  acme: { displayName: Acme Corp }
`,
  );
  up = await startMlaasUp(dir, 'state');
  adminUrl = (JSON.parse(readFileSync(path.join(dir, 'state', 'endpoint.json'), 'utf8')) as { adminUrl: string }).adminUrl;
  // A second revision with no traffic, for the traffic editor to split onto.
  await up.cliOk(['services', 'update', 'spam-filter', '--update-env-vars', 'CONSOLE_E2E=1', '--no-traffic']);
  for (let i = 0; i < 20; i++) expect(await predict(up.demoKey)).toBe(200);
  load = (async () => {
    for (let i = 0; i < 400 && loading; i++) {
      await predict(up.demoKey);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  mkdirSync(SHOTS, { recursive: true });
  browser = await launchChromium();
  page = await browser.context.newPage();
  // The error answers the tests provoke (a wrong token, a bad flags document) are logged too: only CSP's reports count here.
  page.on('console', (m) => {
    if (/Content.Security.Policy/i.test(m.text())) problems.push(m.text());
  });
  page.on('pageerror', (err) => problems.push(err.message));
  page.on('request', (req) => {
    if (!req.url().startsWith(`${adminUrl}/`) && !req.url().startsWith('data:')) problems.push(`request outside the admin API: ${req.url()}`);
  });
}, 180_000);

afterAll(async () => {
  loading = false;
  await load;
  await browser?.close();
  await up?.stop();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe('the web console in chromium', () => {
  it('sends a visitor without a session to sign in, and signs in with the admin token', async () => {
    expect(up.output().stdout).toContain(`console   ${adminUrl}/   (sign in with that token)`);
    await page.goto(`${adminUrl}/`);
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    await shot('sign-in');
    await page.fill('#token', 'not-the-token');
    await page.click('button[type=submit]');
    await page.getByRole('alert').getByText('that is not the admin token').waitFor();
    await page.fill('#token', readFileSync(path.join(dir, 'state', 'admin-token'), 'utf8').trim());
    await page.click('button[type=submit]');
    await page.waitForURL(`${adminUrl}/`);
    const cookies = await browser.context.cookies(adminUrl);
    expect(cookies).toEqual([expect.objectContaining({ name: 'mlaas_session', httpOnly: true, sameSite: 'Strict', path: '/' })]);
  });

  it("shows the demo's services with their ready instances, and the last minute's requests", async () => {
    const rows = page.locator('tr[data-service]');
    await rows.first().waitFor();
    expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-service')))).toEqual(['inference', 'spam-filter']);
    await expect.poll(() => page.locator('tr[data-service="spam-filter"] td.ready').textContent()).toBe('1');
    // The first 5-second sample after the requests above puts them in the figures.
    const rate = async (): Promise<number> => Number.parseFloat((await page.locator('tr[data-service="spam-filter"] td').nth(3).textContent()) ?? '');
    await expect.poll(rate, { timeout: 15_000 }).toBeGreaterThan(0);
    expect(await page.locator('tr[data-service="spam-filter"] td').nth(4).textContent()).toMatch(/^\d+(\.\d)? ms$/);
    await shot('overview');
  });

  it('changes a split in the traffic editor, and `mlaas revisions` shows it', async () => {
    await page.click('a[href="/services/spam-filter"]');
    await page.locator('.traffic-editor tr[data-revision="spam-filter-00002"]').waitFor();
    await page.fill('input[aria-label="spam-filter-00001 percent value"]', '70');
    await page.fill('input[aria-label="spam-filter-00002 percent value"]', '30');
    await page.fill('input[aria-label="spam-filter-00002 tags"]', 'candidate');
    await page.getByText('Total 100%').waitFor();
    await page.click('text=Save traffic');
    await page.getByText('Traffic saved.').waitFor();
    expect(await servingOf('spam-filter')).toEqual({ 'spam-filter-00001': 70, 'spam-filter-00002': 30 });
    expect(await up.cliOk(['revisions', 'spam-filter'])).toMatch(/spam-filter-00002\s+ready\s+30%\s+candidate/);
  });

  it('rolls back with one click and a confirmation', async () => {
    await page.click('text=Roll back');
    await page.getByText("Send all of spam-filter's traffic back").waitFor();
    expect(await servingOf('spam-filter')).toEqual({ 'spam-filter-00001': 70, 'spam-filter-00002': 30 });
    await page.click('.confirm >> text=Confirm');
    await page.getByText('Rolled back: spam-filter-00001 100%').waitFor();
    expect(await servingOf('spam-filter')).toEqual({ 'spam-filter-00001': 100, 'spam-filter-00002': 0 });
    await expect.poll(() => page.locator('.revisions tr[data-revision="spam-filter-00001"] td.num').first().textContent()).toBe('100%');
  });

  it('creates a key shown once, which the gateway takes; revoked, the gateway answers 401', async () => {
    await page.click('nav >> text=Tenants & keys');
    await page.locator('tr[data-tenant="demo"]').waitFor();
    await page.selectOption('form.create-key select', 'demo');
    await page.fill('form.create-key input', 'console e2e');
    await page.click('text=Create key');
    const secret = await page.locator('input.secret-value').inputValue();
    expect(secret).toMatch(/^mlk_[a-z0-9]+_/);
    await waitUntil('the new key to work', () => predict(secret), (s) => s === 200, 5_000);
    await page.click('.secret >> text=Done');
    expect(await page.locator('input.secret-value').count()).toBe(0);
    const id = secret.split('_')[1] ?? '';
    const row = page.locator(`tr[data-key="${id}"]`);
    await row.locator('text=Revoke').click();
    await row.locator('.confirm >> text=Confirm').click();
    await expect.poll(() => row.locator('td.key-state').textContent()).toBe('revoked');
    expect(await predict(secret)).toBe(401);
    await shot('tenants');
  });

  it('lists the errors of a flags document by path, and saves a valid one', async () => {
    await page.click('nav >> text=Flags');
    const editor = page.locator('textarea[aria-label="flagd document"]');
    await editor.waitFor();
    await editor.fill(JSON.stringify({ flags: { threshold: { state: 'ENABLED', variants: { low: 0.3, high: 0.7 }, defaultVariant: 'medium' } } }));
    await page.click('text=Save flags');
    await page.locator('.field-errors code', { hasText: 'flags.threshold.defaultVariant' }).waitFor();
    await editor.fill(JSON.stringify({ flags: { threshold: { state: 'ENABLED', variants: { low: 0.3, high: 0.7 }, defaultVariant: 'low' } } }, null, 2));
    await page.click('text=Save flags');
    await page.getByText('Saved 1 flag: threshold.').waitFor();
    await shot('flags');
  });

  it('shows the models with digests and aliases, and the audit log of the changes made above', async () => {
    await page.click('nav >> text=Models');
    await page.locator('section[data-model="spam"]').getByText('@production → 1').waitFor();
    await shot('models');
    await page.click('nav >> text=Audit log');
    await page.locator('.audit td', { hasText: 'key.revoke' }).first().waitFor();
    await page.locator('.audit td', { hasText: 'flags.set' }).first().waitFor();
    await shot('audit');
  });

  it('draws live charts of requests/s, latency and instances from the platform’s samples', async () => {
    const token = readFileSync(path.join(dir, 'state', 'admin-token'), 'utf8').trim();
    const samples = (): Promise<number[]> =>
      fetch(`${adminUrl}/v1/console/series`, { headers: { authorization: `Bearer ${token}` } })
        .then((r) => r.json() as Promise<{ services: Record<string, { rps: number[] }> }>)
        .then((b) => b.services['spam-filter']?.rps ?? []);
    await waitUntil('three samples with requests', samples, (rps) => rps.filter((r) => r > 0).length >= 3, 20_000, 500);
    await page.goto(`${adminUrl}/services/spam-filter`);
    await page.locator('.charts figure canvas').nth(2).waitFor();
    expect(await page.locator('.charts figure').evaluateAll((fs) => fs.map((f) => f.getAttribute('aria-label')))).toEqual(['Requests/s', 'Latency', 'Ready instances']);
    await shot('service');
    expect(problems).toEqual([]);
  });
});
