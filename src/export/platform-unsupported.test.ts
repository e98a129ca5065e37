import { rmSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLOUDRUN, exportInputFrom, KNATIVE, writeDeclaration } from '../../test/export-input.js';
import { platformUnsupported } from './platform-unsupported.js';

const DOCUMENT = "swagger: '2.0'\ninfo: { title: t, version: '1' }\npaths: {}\n";

async function listed(extra: string) {
  const file = await writeDeclaration(`gateway:\n  document: api-gateway.yaml\n${extra}`, DOCUMENT);
  try {
    const input = await exportInputFrom(file);
    return { knative: platformUnsupported(input, KNATIVE), cloudrun: platformUnsupported(input, CLOUDRUN) };
  } finally {
    rmSync(path.dirname(file), { recursive: true, force: true });
  }
}

describe('platformUnsupported: mlaas-wide settings with no per-declaration equivalent, one test per setting', () => {
  it('lists nothing for the defaults', async () => {
    expect(await listed('')).toEqual({ knative: [], cloudrun: [] });
  });

  it('lists revision garbage collection, with the config-gc values a Knative cluster needs', async () => {
    const { knative, cloudrun } = await listed('revisions:\n  gc: { retainSinceCreateTime: 2h, maxNonActiveRevisions: 50 }\n');
    expect(knative).toEqual([
      {
        path: 'revisions.gc',
        detail: expect.stringContaining(
          'set retain-since-create-time: "7200s", retain-since-last-active-time: "54000s", min-non-active-revisions: "20", max-non-active-revisions: "50" there',
        ),
      },
    ]);
    expect(cloudrun).toEqual([{ path: 'revisions.gc', detail: expect.stringMatching(/Cloud Run keeps up to 1000 revisions/) }]);
  });

  it('lists the gateway’s connection limits that differ from mlaas’s defaults', async () => {
    const { knative, cloudrun } = await listed('  connections: { max: 100, requestTimeout: 30s }\n');
    expect(knative.map((u) => u.path)).toEqual(['gateway.connections.max', 'gateway.connections.requestTimeout']);
    expect(cloudrun[0]?.detail).toMatch(/Google API Gateway and Cloud Run keep their own connection limits/);
  });

  it('lists a pool of pre-started runtimes other than the default, with what the target has instead', async () => {
    const { knative, cloudrun } = await listed('instances: { pool: 0 }\n');
    expect(knative).toEqual([{ path: 'instances.pool', detail: expect.stringMatching(/autoscaling\.knative\.dev\/min-scale/) }]);
    expect(cloudrun).toEqual([{ path: 'instances.pool', detail: expect.stringMatching(/--min-instances/) }]);
    expect((await listed('instances: { pool: 1 }\n')).knative).toEqual([]);
  });

  it('lists the user instances run as', async () => {
    const { knative } = await listed('instances: { user: nobody }\n');
    expect(knative).toEqual([{ path: 'instances.user', detail: expect.stringMatching(/runs as user 65532/) }]);
  });
});
