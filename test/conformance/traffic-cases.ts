/**
 * Conformance cases of which revision answers, on the `split` service
 * (split-00001 answers v1, split-00002 v2 and is tagged canary): a weighted
 * split, sticky by tenant, tenant rules, flag routing, the x-mlaas-tag header
 * and `mlaas://split@canary` addresses, a mirror. Each case sets the whole traffic
 * policy it needs through the CLI. (Which cases run where: conformance-cases.ts.)
 */
import { expect } from 'vitest';
import { waitUntil } from '../e2e/mlaas-process.js';
import type { ConformanceCase } from './conformance-case.js';
import type { ConformancePlatform } from './conformance-platform.js';
import { expectProblem, expectServed } from './gateway-answer.js';
import { platformStatus } from './platform-status.js';

/** `mlaas traffic split SPLITS…` with every routing rule this suite uses set explicitly, so no case inherits another's. */
async function setTraffic(
  p: ConformancePlatform,
  splits: readonly string[],
  rules: { sticky?: boolean; tenantTags?: readonly string[]; flagTag?: string; mirror?: string } = {},
): Promise<void> {
  await p.cliOk([
    'traffic',
    'split',
    ...splits,
    '--tag',
    'canary=split-00002',
    rules.sticky === true ? '--sticky' : '--no-sticky',
    '--clear-tenant-tags',
    ...(rules.tenantTags ?? []).flatMap((t) => ['--tenant-tag', t]),
    ...(rules.flagTag === undefined ? ['--no-flag-tag'] : ['--flag-tag', rules.flagTag]),
    ...(rules.mirror === undefined ? ['--no-mirror'] : ['--mirror', rules.mirror]),
  ]);
}

/** The versions that answered `n` requests, in order. */
async function versions(p: ConformancePlatform, n: number, key: string, path = '/api/split', headers: Record<string, string> = {}): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(expectServed(await p.send(path, { key, headers })).version);
  return out;
}

/** The `split` service's shadow counters in the platform's status (zeros before any mirror). */
async function shadowOfSplit(p: ConformancePlatform): Promise<{ mirrored: number; different: number; failed: number; dropped: number }> {
  return (await platformStatus(p)).shadow?.find((s) => s.service === 'split') ?? { mirrored: 0, different: 0, failed: 0, dropped: 0 };
}

const all = (version: string, n: number): string[] => Array.from({ length: n }, () => version);

export const TRAFFIC_CASES: readonly ConformanceCase[] = [
  {
    name: 'a 50/50 split over two revisions: both answer within 40 requests, each at least 5 times',
    haproxy: 'native',
    async run(p) {
      await setTraffic(p, ['split-00001=50', 'split-00002=50']);
      const seen = await versions(p, 40, p.keys.acme);
      expect(seen.filter((v) => v === 'v1').length).toBeGreaterThanOrEqual(5);
      expect(seen.filter((v) => v === 'v2').length).toBeGreaterThanOrEqual(5);
      expect(seen.filter((v) => v !== 'v1' && v !== 'v2')).toEqual([]);
    },
  },
  {
    name: 'a sticky split sends each tenant to the same revision every time',
    haproxy: 'native',
    async run(p) {
      await setTraffic(p, ['split-00001=50', 'split-00002=50'], { sticky: true });
      for (const key of [p.keys.acme, p.keys.globex]) {
        const seen = await versions(p, 15, key);
        expect(seen).toEqual(all(seen[0] as string, 15));
      }
    },
  },
  {
    name: 'a tenant rule sends its tenant to the tagged revision, everyone else by the split',
    haproxy: 'native',
    async run(p) {
      await setTraffic(p, ['split-00001=100', 'split-00002=0'], { tenantTags: ['globex=canary'] });
      expect(await versions(p, 10, p.keys.globex)).toEqual(all('v2', 10));
      expect(await versions(p, 10, p.keys.acme)).toEqual(all('v1', 10));
    },
  },
  {
    name: 'flag routing sends a tenant whose flag value names a tag to that revision, the others by the split',
    haproxy: 'native',
    async run(p) {
      // split-route is `canary` for plan: pro (acme), `stable` (no such tag) for globex.
      await setTraffic(p, ['split-00001=100', 'split-00002=0'], { flagTag: 'split-route' });
      expect(await versions(p, 10, p.keys.acme)).toEqual(all('v2', 10));
      expect(await versions(p, 10, p.keys.globex)).toEqual(all('v1', 10));
    },
  },
  {
    name: 'x-mlaas-tag picks the tagged revision; past tenant rules only from a key allowed tags; an unknown tag is 404 GW_TAG_UNKNOWN',
    haproxy: 'typescript',
    async run(p) {
      const canary = { 'x-mlaas-tag': 'canary' };
      await setTraffic(p, ['split-00001=100', 'split-00002=0']);
      expect(await versions(p, 5, p.keys.acme, '/api/split', canary)).toEqual(all('v2', 5));

      await setTraffic(p, ['split-00001=100', 'split-00002=0'], { tenantTags: ['acme=canary'] });
      expect(await versions(p, 5, p.keys.globex, '/api/split', canary)).toEqual(all('v1', 5));
      expect(await versions(p, 5, p.keys.tester, '/api/split', canary)).toEqual(all('v2', 5));
      expectProblem(await p.send('/api/split', { key: p.keys.tester, headers: { 'x-mlaas-tag': 'nope' } }), 404, 'GW_TAG_UNKNOWN');
    },
  },
  {
    name: 'a mlaas://SERVICE@TAG address always reaches the tagged revision, whatever the split',
    haproxy: 'typescript',
    async run(p) {
      await setTraffic(p, ['split-00001=100', 'split-00002=0'], { tenantTags: ['acme=canary'] });
      expect(await versions(p, 5, p.keys.globex, '/api/split/canary')).toEqual(all('v2', 5));
      const seen = expectServed(await p.send('/api/split/canary', { key: p.keys.globex }));
      expect(seen).toMatchObject({ revision: 'split-00002', path: '/split' });
    },
  },
  {
    name: 'a 100% mirror copies every request to the tagged revision, the caller getting only the primary’s answer',
    haproxy: 'typescript',
    async run(p) {
      await setTraffic(p, ['split-00001=100', 'split-00002=0'], { mirror: 'canary=100' });
      const before = await shadowOfSplit(p);
      expect(await versions(p, 10, p.keys.globex)).toEqual(all('v1', 10));
      // Copies go out after the caller's answer.
      const after = await waitUntil('10 copies compared', () => shadowOfSplit(p), (s) => s.different + s.failed + s.dropped >= before.different + before.failed + before.dropped + 10, 5_000, 100);
      // v1 and v2 answer with their own version, so every compared copy differs.
      expect({ mirrored: after.mirrored - before.mirrored, different: after.different - before.different, failed: after.failed - before.failed }).toEqual({
        mirrored: 10,
        different: 10,
        failed: 0,
      });
      await setTraffic(p, ['split-00001=100', 'split-00002=0']);
    },
  },
];
