// The documentation stays inside the repository: every relative link of README.md and docs/*.md names a file that
// is there (the README once pointed at a design document outside it).
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from './e2e/spam-model.js';

const DOCS = ['README.md', ...fs.readdirSync(path.join(REPO, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

describe('the documentation', () => {
  it('has the pages the README promises', () => {
    expect(DOCS).toEqual(expect.arrayContaining(['docs/architecture.md', 'docs/concepts.md', 'docs/tutorial.md', 'docs/service-contract.md', 'docs/troubleshooting.md', 'docs/moving-to-knative.md']));
  });

  it('links only to files inside the repository that exist', () => {
    const broken: string[] = [];
    for (const doc of DOCS) {
      const text = fs.readFileSync(path.join(REPO, doc), 'utf8');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (target === undefined || /^[a-z]+:/.test(target) || target.startsWith('#')) continue;
        const file = path.resolve(REPO, path.dirname(doc), target.split('#')[0] as string);
        if (!file.startsWith(REPO + path.sep) || !fs.existsSync(file)) broken.push(`${doc}: ${target}`);
      }
      if (text.includes('../shared/')) broken.push(`${doc}: names ../shared/, outside the repository`);
    }
    expect(broken).toEqual([]);
  });
});
