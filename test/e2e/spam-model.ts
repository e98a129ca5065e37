/**
 * What e2e tests share about the spam-filter demo: where the repository is,
 * a trained model (trained once, on first need, by the real training script)
 * and two messages the model must label correctly.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the nearest folder up from here whose package.json is mlaas's (also from dist/). */
export const REPO = findRepo(path.dirname(fileURLToPath(import.meta.url)));

function findRepo(from: string): string {
  for (let dir = from; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'mlaas') return dir;
  }
  throw new Error(`no mlaas package.json above ${from}`);
}
export const SPAM_MODEL = path.join(REPO, 'examples', 'spam-filter', 'model', 'spam.onnx');

export const SPAM_TEXT =
  'Subject: WIN a FREE prize!!! Congratulations, you have been selected to receive $5,000 CASH. ' +
  'Click here now to claim your reward, limited time offer, act now! To unsubscribe reply REMOVE.';
export const HAM_TEXT =
  'Subject: Re: code review for the parser patch. Thanks for the comments on the tokenizer change; ' +
  'I updated the tests and pushed a new version to the branch. Can we go over it at the meeting tomorrow?';

/** Trains the demo model with the project's own script unless a model is already there. */
export function ensureSpamModel(): void {
  if (existsSync(SPAM_MODEL)) return;
  execFileSync(process.execPath, [path.join(REPO, 'dist', 'examples', 'spam-filter', 'train.js')], {
    cwd: REPO,
    stdio: 'inherit',
  });
}
