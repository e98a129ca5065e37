/**
 * Black-box: every command of every shell block of README.md and
 * docs/tutorial.md, run for real against real platforms on loopback (the
 * repository's bin/mlaas.js), in document order: each must exit 0 and print
 * what the document shows under it (`# …`). The README's run in a copy of the
 * demo (the repository's mlaas.yaml and gateway document); the tutorial's in
 * a new folder, from `mlaas init` of all three templates to curl with the
 * demo key. A command that cannot run here as written is run in the
 * equivalent form EQUIVALENTS names, with why; any other command is run as
 * written by bash, so a command added to either document is run the moment
 * it is added, and one EQUIVALENTS names that no document has any more fails
 * the test. The README's synopsis of the command line is checked against
 * each command's help, read from the program the binary runs.
 */
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliProgram } from '../../src/cli/cli-program.js';
import { docCommands, fencedBlocks, showsExpected, type DocCommand } from '../markdown-commands.js';
import { BIN } from './mlaas-process.js';
import { ensureSpamModel, REPO, SPAM_MODEL } from './spam-model.js';

const DOCS = ['README.md', 'docs/tutorial.md'] as const;
type Doc = (typeof DOCS)[number];

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** One document's run: its folder, the shell variables its commands set, the platform it started. */
interface Session {
  dir: string;
  vars: Record<string, string>;
  /** `cleanEnds`: how it may end on Ctrl-C — mlaas exits 0; npx passes the signal on, as a shell does. */
  up?: { child: ChildProcessWithoutNullStreams; stdout: () => string; stderr: () => string; cleanEnds: string[] };
  gatewayUrl?: string;
  adminUrl?: string;
}

/** How a command that cannot run as written is run instead, and why. */
interface Equivalent {
  why: string;
  run: (s: Session, c: DocCommand) => Promise<Outcome>;
}

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mlaas-doc-commands-'));
// Instances run as an unprivileged user, who must reach their sources and models.
fs.chmodSync(root, 0o755);
/** `mlaas` on PATH, as the README's commands call it (`npx mlaas` in the checkout). */
const shims = path.join(root, 'bin');
const sessions: Record<Doc, Session> = {
  'README.md': { dir: path.join(root, 'demo'), vars: {} },
  'docs/tutorial.md': { dir: path.join(root, 'tutorial'), vars: {} },
};
const ran = new Map<string, string>();

/** npm's environment without the `npm_*` variables of an enclosing `npm test`, which would point npm at the repository. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  return { ...env, PATH: `${shims}${path.delimiter}${env['PATH'] ?? ''}`, ...extra };
}

function exec(file: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs = 180_000): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd, env, timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : 1, stdout, stderr });
    });
  });
}

/** The documents show the default ports; the platforms here listen on free ones. */
function onThisPlatform(s: Session, text: string): string {
  let out = text;
  if (s.gatewayUrl !== undefined) out = out.replaceAll('http://127.0.0.1:8080', s.gatewayUrl);
  if (s.adminUrl !== undefined) out = out.replaceAll('http://127.0.0.1:8081', s.adminUrl);
  return out;
}

const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)=(\S.*)$/;

/** As written, by bash in the document's folder, with the variables earlier commands set (as one shell session keeps them). */
async function asWritten(s: Session, c: DocCommand): Promise<Outcome> {
  const command = onThisPlatform(s, c.command);
  const assignment = ASSIGNMENT.exec(command);
  const script = assignment === null ? command : `${command}\nprintf '%s' "$${assignment[1]}"`;
  const outcome = await exec('bash', ['-c', script], s.dir, cleanEnv(s.vars));
  if (assignment !== null && outcome.code === 0) s.vars[assignment[1] as string] = outcome.stdout;
  return outcome;
}

/** `mlaas up` stays in the foreground: started in the background here, on free ports, until it says it is up. */
async function startUp(s: Session, file: string, args: readonly string[]): Promise<Outcome> {
  // A process group of its own, so that stopping it is Ctrl-C's: SIGINT to the whole group (npx and the mlaas under it).
  const child = spawn(file, [...args, '--port', '0', '--admin-port', '0'], { cwd: s.dir, env: cleanEnv(), detached: true });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  s.up = { child, stdout: () => stdout, stderr: () => stderr, cleanEnds: file === 'npx' ? ['0', 'SIGINT'] : ['0'] };
  const deadline = Date.now() + 150_000;
  while (!stdout.includes('Ctrl-C stops everything.')) {
    if (child.exitCode !== null || Date.now() > deadline) return { code: child.exitCode ?? 1, stdout, stderr };
    await new Promise((r) => setTimeout(r, 100));
  }
  s.gatewayUrl = /gateway\s+(http:\/\/\S+)/.exec(stdout)?.[1];
  s.adminUrl = /admin\s+(http:\/\/\S+)/.exec(stdout)?.[1];
  return { code: 0, stdout, stderr };
}

/**
 * Ctrl-C: SIGINT to the platform's process group. Answers how it ended — `0` for a clean exit, `SIGINT` when npx
 * passed the signal on as a shell does — and whether any process of the group outlived it (instances included).
 */
async function stopUp(s: Session): Promise<{ ended: string; leftBehind: boolean }> {
  const child = s.up?.child;
  if (child === undefined || child.pid === undefined) return { ended: 'not started', leftBehind: false };
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    process.kill(-child.pid, 'SIGINT');
    await exited;
  }
  const ended = child.exitCode !== null ? String(child.exitCode) : String(child.signalCode);
  let leftBehind = true;
  try {
    process.kill(-child.pid, 0);
  } catch {
    leftBehind = false;
  }
  return { ended, leftBehind };
}

/** `npm ci` as a new user's first run reads the project: the same configuration, lockfile check and install-script policy. */
function npmCiDryRun(): Promise<Outcome> {
  // --dry-run: without replacing the node_modules this very test runs from; --ignore-scripts: a dry run still runs
  // `prepare` (the whole build, which npm test has done), but the install-script policy is checked before that.
  return exec('npm', ['ci', '--dry-run', '--ignore-scripts', '--offline', '--no-audit', '--no-fund'], REPO, cleanEnv());
}

/**
 * npm's warnings about the project's configuration: `npm warn Unknown project config "…"` for a key in its .npmrc,
 * and any other `npm warn` line, except one that names the machine's own (user, global) config.
 */
function npmWarnings(stderr: string): string[] {
  return stderr.split('\n').filter((l) => /^npm warn/i.test(l) && !/\b(user|global|builtin|env) config\b/i.test(l));
}

const EQUIVALENTS: Record<Doc, Record<string, Equivalent>> = {
  'README.md': {
    'npm ci && npm start': {
      why:
        '`npm ci` would replace the node_modules this test runs from: it runs as `npm ci --dry-run --ignore-scripts` in the ' +
        'repository (the same config, lockfile check and script policy), whose stderr must hold no warning. `npm start` is ' +
        '`npm run build` (npm test built already), the training `--if-missing` (ensureSpamModel) and ' +
        '`node bin/mlaas.js up -f mlaas.yaml`: run with the repository\'s mlaas.yaml and api-gateway.yaml copied to a ' +
        'folder of its own (sources made absolute) on free ports.',
      run: async (s) => {
        const npm = await npmCiDryRun();
        const warned = npmWarnings(npm.stderr);
        if (npm.code !== 0 || warned.length > 0) return { ...npm, code: npm.code || 1, stderr: `npm ci warned about the project's config:\n${warned.join('\n')}\n${npm.stderr}` };
        ensureSpamModel();
        fs.mkdirSync(s.dir, { recursive: true, mode: 0o755 });
        const examples = `${path.join(REPO, 'examples')}/`;
        fs.writeFileSync(path.join(s.dir, 'mlaas.yaml'), fs.readFileSync(path.join(REPO, 'mlaas.yaml'), 'utf8').replaceAll(' examples/', ` ${examples}`));
        fs.copyFileSync(path.join(REPO, 'api-gateway.yaml'), path.join(s.dir, 'api-gateway.yaml'));
        return startUp(s, process.execPath, [BIN, 'up', '-f', 'mlaas.yaml']);
      },
    },
    'npm test': {
      why: 'this test is one of the tests `npm test` runs; what runs here is that the script is what the README says it is',
      run: () => {
        const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
        const ok = pkg.scripts['test'] === 'npm run lint && npm run typecheck && npm run build && vitest run';
        return Promise.resolve({ code: ok ? 0 : 1, stdout: '', stderr: ok ? '' : `scripts.test is ${pkg.scripts['test']}` });
      },
    },
    'cd deploy && gcloud builds submit --config cloudbuild.yaml --substitutions=_REGION=europe-west1 .': {
      why: 'needs gcloud and a Google Cloud project: what runs here is that deploy/cloudbuild.yaml, which it submits, is there with its steps and _REGION',
      run: (s) => {
        const file = path.join(s.dir, 'deploy', 'cloudbuild.yaml');
        const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
        const ok = /^steps:/m.test(text) && text.includes('${_REGION}') && text.includes('docker');
        return Promise.resolve({ code: ok ? 0 : 1, stdout: '', stderr: ok ? '' : `${file}: not a Cloud Build config using _REGION:\n${text}` });
      },
    },
  },
  'docs/tutorial.md': {
    'npm install ./mlaas-0.1.0.tgz ./mlaas-sdk-0.1.0.tgz': {
      why:
        'the tarballs are `npm pack` of this checkout (test/e2e/packages.e2e.test.ts installs the real ones into an empty ' +
        'folder): here node_modules links mlaas and @mlaas/sdk to the checkout, and .bin/mlaas to its bin/mlaas.js',
      run: (s) => {
        const modules = path.join(s.dir, 'node_modules');
        fs.mkdirSync(path.join(modules, '@mlaas'), { recursive: true });
        fs.mkdirSync(path.join(modules, '.bin'));
        fs.symlinkSync(REPO, path.join(modules, 'mlaas'));
        fs.symlinkSync(path.join(REPO, 'packages', 'sdk'), path.join(modules, '@mlaas', 'sdk'));
        fs.symlinkSync('../mlaas/bin/mlaas.js', path.join(modules, '.bin', 'mlaas'));
        return Promise.resolve({ code: 0, stdout: '', stderr: '' });
      },
    },
    'npx mlaas up': {
      why: 'stays in the foreground until Ctrl-C: started in the background on free ports (--port 0 --admin-port 0) until it says it is up, stopped after the last command',
      run: (s) => startUp(s, 'npx', ['mlaas', 'up']),
    },
  },
};

const commands = Object.fromEntries(DOCS.map((doc) => [doc, docCommands(doc, fs.readFileSync(path.join(REPO, doc), 'utf8'))])) as Record<Doc, DocCommand[]>;

beforeAll(() => {
  fs.mkdirSync(shims);
  fs.writeFileSync(path.join(shims, 'mlaas'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`, { mode: 0o755 });
  // The tutorial's reader has a trained model in the folder; here it is the demo's.
  ensureSpamModel();
  fs.mkdirSync(sessions['docs/tutorial.md'].dir, { mode: 0o755 });
  fs.copyFileSync(SPAM_MODEL, path.join(sessions['docs/tutorial.md'].dir, 'model.onnx'));
});

afterAll(async () => {
  for (const s of Object.values(sessions)) await stopUp(s);
  fs.rmSync(root, { recursive: true, force: true });
}, 60_000);

describe('the documents show commands, each one run here', () => {
  it('every shell block of README.md and docs/tutorial.md has commands, and EQUIVALENTS names only commands they have', () => {
    for (const doc of DOCS) {
      expect(commands[doc].length).toBeGreaterThan(3);
      const shown = new Set(commands[doc].map((c) => c.command));
      expect(Object.keys(EQUIVALENTS[doc]).filter((c) => !shown.has(c))).toEqual([]);
    }
  });
});

for (const doc of DOCS) {
  describe(doc, () => {
    afterAll(async () => {
      const s = sessions[doc];
      if (s.up === undefined) return;
      const stopped = await stopUp(s);
      expect(s.up.cleanEnds, `mlaas up ended with ${stopped.ended}\n${s.up.stderr()}`).toContain(stopped.ended);
      expect(stopped.leftBehind).toBe(false);
    }, 60_000);

    for (const c of commands[doc]) {
      const equivalent = EQUIVALENTS[doc][c.command];
      it(`${doc}:${c.line} ${c.command}${equivalent === undefined ? '' : ` (run as: ${equivalent.why})`}`, async () => {
        const s = sessions[doc];
        fs.mkdirSync(s.dir, { recursive: true, mode: 0o755 });
        const outcome = await (equivalent?.run ?? asWritten)(s, c);
        ran.set(`${doc}:${c.line}`, c.command);
        const shown = `exit ${outcome.code}\nstdout:\n${outcome.stdout}\nstderr:\n${outcome.stderr}`;
        expect(outcome.code, shown).toBe(0);
        const expected = c.expected.map((line) => onThisPlatform(s, line));
        expect(showsExpected(outcome.stdout, expected), `expected, in order:\n${expected.join('\n')}\n${shown}`).toBe(true);
      }, 240_000);
    }
  });
}

describe('what ran', () => {
  it('is every command of both documents, once', () => {
    expect([...ran.entries()].sort()).toEqual(DOCS.flatMap((doc) => commands[doc].map((c) => [`${doc}:${c.line}`, c.command])).sort());
  });
});

describe("the README's synopsis of the command line", () => {
  const synopsis = fencedBlocks(fs.readFileSync(path.join(REPO, 'README.md'), 'utf8')).find((b) => b.info === 'text' && b.lines.some((l) => l.startsWith('mlaas up ')));
  it('names only commands and flags that their --help has', async () => {
    expect(synopsis).toBeDefined();
    const program = await cliProgram();
    const problems: string[] = [];
    const entries = synopsisEntries(synopsis?.lines ?? []);
    expect(entries.length).toBeGreaterThan(20);
    for (const entry of entries) {
      let command: Command | undefined = program;
      for (const name of entry.command) command = command?.commands.find((c) => c.name() === name);
      if (command === undefined) {
        problems.push(`mlaas ${entry.command.join(' ')}: no such command`);
        continue;
      }
      const help = command.helpInformation();
      for (const flag of entry.flags) if (!new RegExp(`(^|[\\s,])${flag}\\b`, 'm').test(help)) problems.push(`mlaas ${entry.command.join(' ')}: ${flag} is not in its --help`);
    }
    expect(problems).toEqual([]);
  });
});

/**
 * Each synopsis line's commands and the flags shown for them: `mlaas A B ARG [--flag]`, alternatives after ` | `
 * (`revisions describe REV | delete REV`: a sibling, `revisions delete`; `keys list | revoke KEY_ID`: `keys revoke`);
 * an alternative that starts with a flag belongs to the line's command. A line that starts with blanks continues the one before.
 */
function synopsisEntries(lines: readonly string[]): Array<{ command: string[]; flags: string[] }> {
  const logical: string[] = [];
  for (const line of lines) {
    const text = line.replace(/\s{2,}#.*$/, '');
    if (text.trim() === '') continue;
    if (/^\s/.test(text) && logical.length > 0) logical[logical.length - 1] += ` ${text.trim()}`;
    else logical.push(text.trim());
  }
  const entries: Array<{ command: string[]; flags: string[] }> = [];
  for (const line of logical) {
    const alternatives = splitAlternatives(line.replace(/^mlaas\s+/, ''));
    const words = (alt: string) => alt.split(/\s+/).filter((w) => w !== '');
    const first = words(alternatives[0] ?? '');
    const command = first.slice(0, Math.max(1, first.findIndex((w) => !/^[a-z][a-z-]*$/.test(w)) === -1 ? first.length : first.findIndex((w) => !/^[a-z][a-z-]*$/.test(w))));
    const flagsOf = (alt: string) => [...alt.matchAll(/--[a-z][a-z-]*/g)].map((m) => m[0]);
    const main = { command, flags: flagsOf(alternatives[0] ?? '') };
    entries.push(main);
    for (const alt of alternatives.slice(1)) {
      const head = words(alt)[0] ?? '';
      if (/^[a-z][a-z-]*$/.test(head)) {
        // A sibling of the last word when the line names a subcommand (`describe REV | delete REV`), else a subcommand.
        const parent = command.length > 1 ? command.slice(0, -1) : command;
        entries.push({ command: [...parent, head], flags: flagsOf(alt) });
      } else {
        main.flags.push(...flagsOf(alt));
      }
    }
  }
  return entries;
}

/** ` | ` outside brackets separates alternatives; `[--sticky|--no-sticky]` and `NAME[@VERSION|@ALIAS]` stay whole. */
function splitAlternatives(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (ch === '[') depth++;
    if (ch === ']') depth--;
    if (depth === 0 && text.startsWith(' | ', i)) {
      out.push(current);
      current = '';
      i += 2;
      continue;
    }
    current += ch;
  }
  out.push(current);
  return out;
}
