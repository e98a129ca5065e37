/**
 * `mlaas init [--template ts|python|onnx] DIR`: scaffolds a service, adds it
 * to mlaas.yaml and its route to the gateway document (see
 * src/init/scaffold-service.ts), and says how to serve it.
 */
import { Command, Option } from 'commander';
import fs from 'node:fs';
import path from 'node:path';
import { scaffoldService, TEMPLATES, type Template } from '../init/scaffold-service.js';

interface InitFlags {
  template: Template;
  name?: string;
  model?: string;
  file: string;
}

/** The demo's trained model, the onnx template's model when none is named (in a checkout, after `npm start`). */
const DEMO_MODEL = 'examples/spam-filter/model/spam.onnx';

export function initCommand(): Command {
  return new Command('init')
    .description('scaffold a service (TypeScript with @mlaas/sdk, Python FastAPI, or an ONNX model with no code) and route it')
    .argument('<dir>', 'the new service’s folder (missing or empty)')
    .addOption(new Option('-t, --template <kind>', 'what the service is').choices(TEMPLATES).default('ts'))
    .option('--name <name>', 'the service name (default: the folder’s name)')
    .option('--model <file>', `the .onnx file of the onnx template (default: the demo’s ${DEMO_MODEL}, when it is there)`)
    .option('-f, --file <path>', 'the mlaas.yaml to add it to (created when missing)', 'mlaas.yaml')
    .action((dir: string, flags: InitFlags) => {
      const model = flags.model ?? (flags.template === 'onnx' && fs.existsSync(DEMO_MODEL) ? DEMO_MODEL : undefined);
      const result = scaffoldService({
        template: flags.template,
        dir,
        name: flags.name ?? path.basename(path.resolve(dir)),
        configFile: flags.file,
        ...(model === undefined ? {} : { model }),
      });
      const rel = (f: string): string => path.relative(process.cwd(), f) || '.';
      const lines = [
        `created ${flags.template} service in ${rel(path.resolve(dir))}/: ${result.files.map((f) => path.basename(f)).join(', ')}`,
        `added it to ${rel(result.configFile)} and ${result.route} to ${rel(result.gatewayDocument)}`,
        '',
        `serve it: mlaas up -f ${rel(result.configFile)}   (a running platform: mlaas apply -f ${rel(result.configFile)})`,
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
