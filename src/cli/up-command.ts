/**
 * `mlaas up`: starts gateway, control plane and runtime in this process from
 * mlaas.yaml, prints where to call it and with which key, reloads the gateway
 * document and mlaas.yaml's tenants and flags when they change (file watch)
 * or on SIGHUP, and on SIGINT/SIGTERM drains and stops everything it started.
 */
import { Command, InvalidArgumentError } from 'commander';
import path from 'node:path';
import type { GatewayOperation } from '../config/index.js';
import { isPostgresUrl } from '../config/postgres-url.js';
import { formatIssues, MlaasError } from '../errors.js';
import type { Platform, ReloadOutcome } from '../platform.js';
import { unroutedMessage } from '../control-plane/unrouted-services.js';
import { reloadSummary } from './reload-summary.js';
import { routeLines, tryLines } from './route-summary.js';

interface UpFlags {
  file: string;
  port?: number;
  adminPort?: number;
  watch: boolean;
}

export function upCommand(): Command {
  return new Command('up')
    .description('start the gateway, control plane and services declared in mlaas.yaml')
    .option('-f, --file <path>', 'the mlaas.yaml to run', 'mlaas.yaml')
    .option('--port <port>', 'gateway port (overrides gateway.port; 0 = any free port)', portValue)
    .option('--admin-port <port>', 'admin API port (overrides controlPlane.port; 0 = any free port)', portValue)
    .option('--no-watch', 'do not reload when the files change: only on `mlaas reload` or SIGHUP')
    .action(async (flags: UpFlags) => {
      // Loaded here, not at the top, so that the other commands start without the whole platform.
      const [{ loadConfig }, { startPlatform }] = await Promise.all([import('../config/index.js'), import('../platform.js')]);
      const loaded = await loadConfig(path.resolve(flags.file));
      process.stderr.write(`starting ${Object.keys(loaded.config.services).length} service(s) from ${flags.file} …\n`);
      const starting = startPlatform(loaded, {
        ...(flags.port === undefined ? {} : { gatewayPort: flags.port }),
        ...(flags.adminPort === undefined ? {} : { adminPort: flags.adminPort }),
        watch: flags.watch,
        onReload: printReload,
      });
      // Handlers go in before start-up finishes, so a signal during it still stops the children.
      stopOnSignal(starting);
      reloadOnHangup(starting);
      const platform = await starting;
      // Instances run in their own process groups; whatever ends this process, they must not outlive it.
      process.once('exit', () => platform.killNow());
      printSummary(platform, loaded.gateway.operations);
    });
}

/** A refused value is a usage error, reported by commander before anything starts. */
function portValue(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new InvalidArgumentError('expected a port 0–65535.');
  return port;
}

function printSummary(p: Platform, operations: readonly GatewayOperation[]): void {
  const rel = (f: string): string => path.relative(process.cwd(), f) || '.';
  const lines = [
    'mlaas is up',
    `  gateway   ${p.gatewayUrl}${p.gatewayWorkers > 1 ? `   (${p.gatewayWorkers} worker processes)` : ''}`,
    `  admin     ${p.adminUrl}   (token in ${rel(path.join(p.stateDir, 'admin-token'))})`,
    `  console   ${p.adminUrl}/   (sign in with that token)`,
  ];
  if (p.metricsUrl !== undefined) lines.push(`  metrics   ${p.metricsUrl}`);
  for (const s of p.services) {
    const serving = s.serving.length === 0 ? 'no revision serving' : s.serving.join(', ');
    lines.push(`  service   ${s.service}: ${s.error === undefined ? `${s.ready} ready, ${serving}` : `NOT READY — ${s.error}`}`);
  }
  lines.push(...routeLines(operations));
  for (const service of p.unrouted) lines.push(`  warning   ${unroutedMessage(service)}`);
  for (const [tenant, key] of Object.entries(p.demoKeys)) lines.push(`  demo key  ${key}   (tenant ${tenant})`);
  lines.push(`  state     ${isPostgresUrl(p.state) ? p.state : rel(p.state)}   logs ${rel(path.join(p.stateDir, 'logs'))}/`);
  lines.push(
    p.instances.user === undefined
      ? `  instances run as this user and can read what mlaas can: ${p.instances.shared ?? ''}`
      : `  instances run as ${p.instances.user.name} (uid ${p.instances.user.uid})`,
  );
  lines.push(...tryLines(p.gatewayUrl, operations, Object.values(p.demoKeys)[0]));
  lines.push('', 'Ctrl-C stops everything.');
  process.stdout.write(`${lines.join('\n')}\n`);
}

function printReload(outcome: ReloadOutcome): void {
  if ('report' in outcome) {
    process.stderr.write(`${reloadSummary(outcome.report).map((line, i) => (i === 0 ? `${line} (${outcome.trigger})` : line)).join('\n')}\n`);
    return;
  }
  const err = outcome.error;
  const what = err instanceof MlaasError ? `${err.message} [${err.code}]` : String(err);
  const issues = err instanceof MlaasError && err.errors !== undefined && err.errors.length > 0 ? `\n${formatIssues(err.errors)}` : '';
  process.stderr.write(`reload refused (${outcome.trigger}): ${what}${issues}\n`);
}

/** SIGHUP reloads, as it does nginx's and HAProxy's configuration; the outcome is printed by `printReload`. */
function reloadOnHangup(platform: Promise<Platform>): void {
  process.on('SIGHUP', () => {
    platform.then((p) => p.reload('SIGHUP')).catch(() => undefined);
  });
}

function stopOnSignal(platform: Promise<Platform>): void {
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signalled) {
      process.stderr.write(`${signal} again: exiting without waiting\n`);
      process.exit(130);
    }
    signalled = true;
    process.stderr.write(`${signal}: draining and stopping …\n`);
    platform.then((p) => p.stop()).then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`error while stopping: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
