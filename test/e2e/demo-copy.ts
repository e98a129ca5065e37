/**
 * The demo that `npm start` runs, for black-box tests that must run it and
 * not a look-alike: the repository's own mlaas.yaml and api-gateway.yaml
 * copied into a directory, the paths mlaas.yaml names made absolute (they
 * are relative to the repository), then the test's edits applied to it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { REPO } from './spam-model.js';

/** Where mlaas.yaml names a file or folder of the repository. */
const REPO_PATHS = [
  ['models', 'seed', 'spam', 'file'],
  ['services', 'spam-filter', 'source'],
] as const;

/**
 * Writes the demo into `dir`; `edit` changes its mlaas.yaml, e.g. `doc.setIn(['gateway', 'workers'], 2)`.
 * Answers the state directory it names, relative to `dir`.
 */
export function copyDemo(dir: string, edit: (doc: YAML.Document) => void): string {
  const doc = YAML.parseDocument(readFileSync(path.join(REPO, 'mlaas.yaml'), 'utf8'));
  for (const at of REPO_PATHS) {
    const relative = doc.getIn(at);
    if (typeof relative !== 'string') throw new Error(`the demo's mlaas.yaml has no ${at.join('.')}`);
    doc.setIn(at, path.resolve(REPO, relative));
  }
  edit(doc);
  writeFileSync(path.join(dir, 'mlaas.yaml'), doc.toString());
  writeFileSync(path.join(dir, 'api-gateway.yaml'), readFileSync(path.join(REPO, 'api-gateway.yaml')));
  const stateDir = doc.get('stateDir');
  if (typeof stateDir !== 'string') throw new Error("the demo's mlaas.yaml has no stateDir");
  return stateDir;
}
