/**
 * Issue 3's figure: the time from `mlaas deploy` of a code-only change of
 * the spam-filter to the new revision serving 100% of traffic (the CLI
 * returns only then), over several deploys. The article's Cloud Build took
 * ~20 minutes per deploy; the target here is ≤ 2 s.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { percentile, round, startSpamPlatform, writeResult } from './spam-filter-platform.js';

const DEPLOYS = Number(process.env['BENCH_DEPLOYS'] ?? 5);

async function main(): Promise<void> {
  const p = await startSpamPlatform('{ minInstances: 1 }');
  try {
    const server = path.join(p.source, 'server.ts');
    const original = readFileSync(server, 'utf8');
    const times: number[] = [];
    for (let i = 1; i <= DEPLOYS; i++) {
      writeFileSync(server, `${original}\n// code-only change ${i}\n`);
      const t0 = performance.now();
      const r = await p.up.cli(['deploy', 'spam-filter', '--source', p.source]);
      const ms = performance.now() - t0;
      if (r.code !== 0) throw new Error(`deploy ${i} failed:\n${r.stderr}`);
      const revisions = JSON.parse((await p.up.cli(['revisions', 'spam-filter', '-o', 'json'])).stdout) as Array<{ name: string; percent: number }>;
      const serving = revisions.find((x) => x.percent === 100)?.name;
      if (serving !== revisions.at(-1)?.name) throw new Error(`after deploy ${i}, ${serving} serves 100%, not the new revision`);
      if ((await p.predict()).status !== 200) throw new Error(`the new revision does not answer after deploy ${i}`);
      times.push(ms);
    }
    const articleMs = 20 * 60 * 1000;
    const result = {
      deploys: DEPLOYS,
      msEach: times.map((t) => round(t, 0)),
      p50Ms: round(percentile(times, 50), 0),
      maxMs: round(Math.max(...times), 0),
      targetMs: 2000,
      articleCloudBuildMs: articleMs,
      speedupOverArticle: round(articleMs / percentile(times, 50), 0),
    };
    writeResult('deploy-time', result, `p50 ${result.p50Ms} ms, max ${result.maxMs} ms over ${DEPLOYS} code-only deploys (target ≤ 2000 ms)`);
  } finally {
    await p.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
