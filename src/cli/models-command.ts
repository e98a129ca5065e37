/**
 * `mlaas models push|list|show|alias|rm`: the model store, through the admin
 * API. `push` streams the file up with a progress bar; `alias` moves an alias
 * and follows the rollout it starts (a new revision of every service that
 * follows the alias, all traffic at once or a canary split).
 */
import { Command } from 'commander';
import { SingleBar } from 'cli-progress';
import { createReadStream, statSync } from 'node:fs';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import type { ServiceRollout } from '../control-plane/model-rollout.js';
import type { ModelSummary, ModelVersion, TensorSpec } from '../models/index.js';
import { adminFetch, adminTarget, callAdmin, withAdminFlags, type AdminFlags, type AdminTarget } from './admin-client.js';
import { PROGRESS_HEADERS, readAdminEvents } from './admin-events.js';
import { printStructured, printTable, withOutputFlag, type OutputFormat } from './output-format.js';
import { UsageError } from './usage-error.js';

type Flags = AdminFlags & { output: OutputFormat };
type DescribedVersion = ModelVersion & { aliases: string[]; usedBy: string[] };

export function modelsCommand(): Command {
  const models = new Command('models').description('push, list, show, alias and remove model versions in the model store');

  withOutputFlag(withAdminFlags(models.command('push')))
    .description('store FILE as the next version of model NAME (ONNX inputs and outputs are read from the file)')
    .argument('<name>', 'the model name (a DNS label)')
    .argument('<file>', 'the model file')
    .option('--alias <alias>', 'point this alias at the new version (no rollout: use `models alias` to roll out)')
    .option('--meta <key=value>', 'free-form metadata such as auc=0.98 (repeatable)', (v: string, all: string[]) => [...all, v], [])
    .action(async (name: string, file: string, flags: Flags & { alias?: string; meta: string[] }) => {
      const metrics = parseMeta(flags.meta);
      const pushed = await push(adminTarget(flags), name, file, flags.alias, metrics);
      if (printStructured(pushed, flags.output)) return;
      process.stdout.write(`pushed ${pushed.name}@${pushed.version}  sha256:${pushed.sha256}${flags.alias === undefined ? '' : `  alias ${flags.alias}`}\n`);
    });

  withOutputFlag(withAdminFlags(models.command('list')))
    .description('list models with their versions and aliases')
    .action(async (flags: Flags) => {
      const { items } = await callAdmin<{ items: ModelSummary[] }>(adminTarget(flags), 'GET', '/v1/models');
      if (printStructured(items, flags.output)) return;
      printTable(
        ['name', 'latest', 'versions', 'aliases'],
        items.map((m) => [m.name, String(m.latest), m.versions.join(','), formatAliases(m.aliases)]),
      );
    });

  withOutputFlag(withAdminFlags(models.command('show')))
    .description('show a model (NAME: every version) or one version (NAME@VERSION, NAME@ALIAS, NAME@latest)')
    .argument('<ref>', 'NAME, NAME@VERSION or NAME@ALIAS')
    .action(async (ref: string, flags: Flags) => {
      const target = adminTarget(flags);
      const at = ref.indexOf('@');
      if (at < 0) {
        const model = await callAdmin<{ name: string; aliases: Record<string, number>; versions: DescribedVersion[] }>(
          target,
          'GET',
          `/v1/models/${encodeURIComponent(ref)}`,
        );
        if (printStructured(model, flags.output)) return;
        printTable(
          ['version', 'aliases', 'size', 'sha256', 'created', 'used by', 'metrics'],
          model.versions.map((v) => [
            String(v.version),
            v.aliases.join(',') || '-',
            formatBytes(v.size),
            v.sha256.slice(0, 12),
            v.createdAt,
            v.usedBy.join(',') || '-',
            Object.entries(v.metrics).map(([k, x]) => `${k}=${x}`).join(' '),
          ]),
        );
        return;
      }
      const version = await callAdmin<DescribedVersion>(
        target,
        'GET',
        `/v1/models/${encodeURIComponent(ref.slice(0, at))}/versions/${encodeURIComponent(ref.slice(at + 1))}`,
      );
      if (printStructured(version, flags.output)) return;
      const lines = [
        `${version.name}@${version.version}${version.aliases.length === 0 ? '' : `  (${version.aliases.map((a) => `@${a}`).join(' ')})`}`,
        `  format    ${version.format}${version.framework === undefined ? '' : ` (${version.framework})`}`,
        `  size      ${formatBytes(version.size)}`,
        `  sha256    ${version.sha256}`,
        `  created   ${version.createdAt}`,
        `  used by   ${version.usedBy.join(', ') || '-'}`,
        ...version.inputs.map((t) => `  input     ${formatTensor(t)}`),
        ...version.outputs.map((t) => `  output    ${formatTensor(t)}`),
        ...Object.entries(version.metrics).map(([k, v]) => `  metric    ${k}=${v}`),
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    });

  withOutputFlag(withAdminFlags(models.command('alias')))
    .description('point NAME@ALIAS at VERSION and roll it out to the services that follow the alias')
    .argument('<name>', 'the model')
    .argument('<alias>', 'the alias, e.g. production')
    .argument('<version>', 'the version number')
    .option('--rollout <strategy>', 'canary=P: give the new revisions P% of traffic (tag canary); default: all traffic at once')
    .action(async (name: string, alias: string, version: string, flags: Flags & { rollout?: string }) => {
      const canaryPercent = flags.rollout === undefined ? undefined : parseRollout(flags.rollout);
      const body = JSON.stringify({ version: wholeNumber(version, 'VERSION'), ...(canaryPercent === undefined ? {} : { canaryPercent }) });
      const res = await adminFetch(adminTarget(flags), `/v1/models/${encodeURIComponent(name)}/aliases/${encodeURIComponent(alias)}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', ...PROGRESS_HEADERS },
        body,
      });
      const result = await readAdminEvents<{ rollouts: ServiceRollout[] }>(res, (e) => step(`${String(e['step'])}: ${String(e['detail'])}`), {
        version: 'VERSION',
        canaryPercent: '--rollout',
      });
      if (!printStructured(result, flags.output)) printRollouts(`${name}@${alias} → ${version}`, result.rollouts);
      const failed = result.rollouts.filter((r) => r.error !== undefined);
      if (failed.length > 0) {
        throw new Error(`${failed.length} service(s) kept their traffic: ${failed.map((r) => `${r.service}: ${r.error}`).join('; ')}`);
      }
    });

  withAdminFlags(models.command('rm'))
    .description('remove a version (refused while an alias points at it or a revision may serve it)')
    .argument('<name>', 'the model')
    .argument('<version>', 'the version number')
    .action(async (name: string, version: string, flags: AdminFlags) => {
      const number = wholeNumber(version, 'VERSION');
      await callAdmin(adminTarget(flags), 'DELETE', `/v1/models/${encodeURIComponent(name)}/versions/${number}`);
      process.stdout.write(`removed ${name}@${version}\n`);
    });

  return models;
}

function printRollouts(change: string, rollouts: readonly ServiceRollout[]): void {
  if (rollouts.length === 0) {
    process.stdout.write(`${change}; no service follows this alias\n`);
    return;
  }
  printTable(
    ['service', 'from', 'revision', 'traffic'],
    rollouts.map((r) => [
      r.service,
      r.from ?? '-',
      r.revision ?? '-',
      r.error !== undefined ? `FAILED: ${r.error}` : r.skipped ?? (r.traffic ?? []).map((t) => `${t.revision}=${t.percent}%${t.tag === undefined ? '' : `@${t.tag}`}`).join(' '),
    ]),
  );
}

/** Streams the file to the admin API: a progress bar on a terminal, the store's progress either way. */
async function push(target: AdminTarget, name: string, file: string, alias: string | undefined, metrics: Record<string, string>): Promise<ModelVersion> {
  const size = fileSize(file);
  const query = new URLSearchParams({ format: path.extname(file).slice(1).toLowerCase() || 'onnx' });
  if (alias !== undefined) query.set('alias', alias);
  if (Object.keys(metrics).length > 0) query.set('metrics', JSON.stringify(metrics));
  const bar = process.stderr.isTTY ? new SingleBar({ format: `  upload ${name} [{bar}] {percentage}% {value}/{total} bytes`, hideCursor: true }) : undefined;
  bar?.start(size, 0);
  let sent = 0;
  const counted = createReadStream(file).pipe(
    new Transform({
      transform(chunk: Buffer, _encoding, done) {
        sent += chunk.length;
        bar?.update(sent);
        done(null, chunk);
      },
    }),
  );
  let res: Response;
  try {
    res = await adminFetch(target, `/v1/models/${encodeURIComponent(name)}/versions?${query}`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(size), ...PROGRESS_HEADERS },
      body: Readable.toWeb(counted) as ReadableStream<Uint8Array>,
      duplex: 'half',
    });
  } finally {
    bar?.stop();
  }
  if (bar === undefined) step(`uploaded ${formatBytes(sent)}`);
  return readAdminEvents<ModelVersion>(
    res,
    (e) => {
      if (e['step'] === 'store') step(`stored ${formatBytes(Number(e['done']))} of ${formatBytes(Number(e['total']))}`);
    },
    { alias: '--alias', metrics: '--meta', format: 'FILE' },
  );
}

function fileSize(file: string): number {
  let info;
  try {
    info = statSync(file);
  } catch {
    throw new Error(`${file}: no such file`);
  }
  if (!info.isFile()) throw new Error(`${file}: expected a model file`);
  return info.size;
}

function parseMeta(pairs: string[]): Record<string, string> {
  const metrics: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--meta: expected KEY=VALUE, got ${pair}`);
    metrics[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return metrics;
}

function parseRollout(value: string): number {
  const match = /^canary=(\d+)$/.exec(value);
  const percent = Number(match?.[1]);
  if (match === null || percent < 1 || percent > 99) throw new UsageError(`--rollout: expected canary=P with P from 1 to 99, got ${value}`);
  return percent;
}

function wholeNumber(value: string, what: string): number {
  if (!/^[1-9][0-9]*$/.test(value)) throw new UsageError(`${what}: expected a version number ≥ 1, got ${value}`);
  return Number(value);
}

function formatAliases(aliases: Record<string, number>): string {
  return Object.entries(aliases).map(([a, v]) => `${a}→${v}`).join(',') || '-';
}

function formatTensor(t: TensorSpec): string {
  return `${t.name}  ${t.datatype}  [${t.shape.map((d, i) => (d < 0 ? (t.dimNames?.[i] ?? '-1') : String(d))).join(', ')}]`;
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  return n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

function step(text: string): void {
  process.stderr.write(`  ${text}\n`);
}
