/**
 * `mlaas init`: writes a new service's files from a template, its entry in
 * mlaas.yaml and its route in the gateway document (each created when
 * missing), so that `mlaas up` or `mlaas apply` serves it. Both documents are
 * edited in memory first: a conflict in either writes nothing at all.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DNS_LABEL } from '../api/schema-fields.js';
import { MlaasError } from '../errors.js';
import { addGatewayRoute, type GatewayRoute } from './add-gateway-route.js';
import { addServiceToConfig, type ServiceEntry } from './add-service-to-config.js';
import { ONNX_MODEL_FILE, onnxTemplateFiles } from './onnx-template.js';
import { pythonTemplateFiles } from './python-template.js';
import { tsTemplateFiles } from './ts-template.js';

export const TEMPLATES = ['ts', 'python', 'onnx'] as const;
export type Template = (typeof TEMPLATES)[number];

export interface ScaffoldOptions {
  template: Template;
  /** The service's folder; missing or empty. */
  dir: string;
  /** The service name (a DNS label). */
  name: string;
  /** mlaas.yaml, created when missing. */
  configFile: string;
  /** The .onnx file of the onnx template. */
  model?: string;
}

export interface ScaffoldResult {
  files: string[];
  configFile: string;
  gatewayDocument: string;
  route: string;
}

interface Plan {
  files: Record<string, string>;
  entry: ServiceEntry;
  route: GatewayRoute;
}

function readIfPresent(file: string): string | undefined {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
}

function planTemplate(options: ScaffoldOptions, source: string): Plan {
  const { name } = options;
  const code = (command: string[]): Record<string, unknown> => ({ source, command, readiness: { path: '/healthz' } });
  const predict: GatewayRoute = { path: `/v1/${name}/predict`, method: 'post', address: `mlaas://${name}/predict`, operationId: `${name}-predict`, summary: `${name}: predict` };
  switch (options.template) {
    case 'ts':
      return { files: tsTemplateFiles(name), entry: { name, service: code(['node', 'dist/server.js']) }, route: predict };
    case 'python':
      return { files: pythonTemplateFiles(name), entry: { name, service: code(['python', 'serve.py']) }, route: predict };
    case 'onnx': {
      // The V2 model name is the binding's, which must be an environment-variable-like name.
      const binding = name.replaceAll('-', '_');
      return {
        files: onnxTemplateFiles(name, binding),
        entry: {
          name,
          service: { runtime: 'onnx', models: { [binding]: `${name}@production` } },
          seed: { model: name, file: `${source}/${ONNX_MODEL_FILE}`, alias: 'production' },
        },
        route: {
          path: `/v2/models/${binding}/infer`,
          method: 'post',
          address: `mlaas://${name}`,
          pathTranslation: 'APPEND_PATH_TO_ADDRESS',
          operationId: `${name}-infer`,
          summary: `${name}: V2 inference`,
        },
      };
    }
  }
}

export function scaffoldService(options: ScaffoldOptions): ScaffoldResult {
  if (!DNS_LABEL.test(options.name)) {
    throw new MlaasError('CONFIG_INVALID', `service name: expected a DNS label (lower-case letters, digits, '-'; starts with a letter), got ${JSON.stringify(options.name)}: pass --name`);
  }
  const dir = path.resolve(options.dir);
  if (fs.existsSync(dir) && fs.readdirSync(dir).length > 0) {
    throw new MlaasError('CONFIG_INIT_CONFLICT', `${options.dir}: not empty: mlaas init writes a new service into a missing or empty folder`);
  }
  if (options.template === 'onnx' && (options.model === undefined || !fs.statSync(options.model, { throwIfNoEntry: false })?.isFile())) {
    throw new MlaasError('CONFIG_NOT_FOUND', `--model: expected an .onnx file, got ${options.model === undefined ? 'none' : `${options.model}, which is not a file`}`);
  }
  const configFile = path.resolve(options.configFile);
  const baseDir = path.dirname(configFile);
  const source = path.relative(baseDir, dir).split(path.sep).join('/') || '.';
  const plan = planTemplate(options, source);

  const config = addServiceToConfig(readIfPresent(configFile), path.basename(configFile), plan.entry);
  const documentFile = path.resolve(baseDir, config.gatewayDocument);
  const documentText = addGatewayRoute(readIfPresent(documentFile), config.gatewayDocument, plan.route);

  fs.mkdirSync(dir, { recursive: true });
  for (const [name, content] of Object.entries(plan.files)) fs.writeFileSync(path.join(dir, name), content);
  const files = Object.keys(plan.files).map((f) => path.join(dir, f));
  if (options.template === 'onnx' && options.model !== undefined) {
    fs.copyFileSync(options.model, path.join(dir, ONNX_MODEL_FILE));
    files.push(path.join(dir, ONNX_MODEL_FILE));
  }
  fs.writeFileSync(configFile, config.text);
  fs.writeFileSync(documentFile, documentText);
  return { files, configFile, gatewayDocument: documentFile, route: `${plan.route.method.toUpperCase()} ${plan.route.path}` };
}
