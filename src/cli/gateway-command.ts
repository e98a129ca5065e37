/**
 * `mlaas gateway`: runs only the gateway, in front of the services of the
 * control plane (`mlaas up`) on the state store mlaas.yaml names;
 * prints where to call it and where its health is; reads the gateway
 * document again when it changes or on SIGHUP; on SIGINT/SIGTERM drains and stops.
 */
import { Command, InvalidArgumentError } from 'commander';
import path from 'node:path';
import { formatIssues, MlaasError } from '../errors.js';
import type { StandaloneGateway } from '../standalone-gateway.js';

interface GatewayFlags {
  file: string;
  port?: number;
  healthPort?: number;
}

export function gatewayCommand(): Command {
  return new Command('gateway')
    .description('run only the gateway, serving the services of the control plane (mlaas up) on the same state directory')
    .option('-f, --file <path>', 'the mlaas.yaml whose gateway document and state directory to use', 'mlaas.yaml')
    .option('--port <port>', 'gateway port (overrides gateway.port; 0 = any free port)', portValue)
    .option('--health-port <port>', 'port of GET /healthz and /metrics on 127.0.0.1 (default: any free port)', portValue)
    .action(async (flags: GatewayFlags) => {
      // Loaded here, not at the top, so that the other commands start without the gateway.
      const [{ loadConfig }, { startStandaloneGateway }] = await Promise.all([import('../config/index.js'), import('../standalone-gateway.js')]);
      const loaded = await loadConfig(path.resolve(flags.file));
      const gateway = await startStandaloneGateway(loaded, {
        ...(flags.port === undefined ? {} : { port: flags.port }),
        ...(flags.healthPort === undefined ? {} : { healthPort: flags.healthPort }),
      });
      stopOnSignal(gateway);
      process.on('SIGHUP', () => {
        gateway.reload().then(
          ({ routes }) => process.stderr.write(`gateway document reloaded: ${routes} route(s) (SIGHUP)\n`),
          (err: unknown) => {
            const what = err instanceof MlaasError ? `${err.message} [${err.code}]` : String(err);
            const issues = err instanceof MlaasError && err.errors !== undefined && err.errors.length > 0 ? `\n${formatIssues(err.errors)}` : '';
            process.stderr.write(`reload refused (SIGHUP): ${what}${issues}\n`);
          },
        );
      });
      const rel = (f: string): string => path.relative(process.cwd(), f) || '.';
      const lines = [
        'mlaas gateway is up',
        `  gateway   ${gateway.gatewayUrl}`,
        `  health    ${gateway.healthUrl}`,
        `  state     ${gateway.stateLocation.startsWith('postgres') ? gateway.stateLocation : rel(gateway.stateLocation)}   (snapshot read ${gateway.health().refreshedAt})`,
        '',
        'Ctrl-C stops it.',
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}

function portValue(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new InvalidArgumentError('expected a port 0–65535.');
  return port;
}

function stopOnSignal(gateway: StandaloneGateway): void {
  const onSignal = (signal: NodeJS.Signals): void => {
    process.stderr.write(`${signal}: draining and stopping …\n`);
    gateway.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`error while stopping: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
}
