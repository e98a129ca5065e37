/**
 * `mlaas export --target knative|cloudrun --out DIR`: the declaration
 * (mlaas.yaml and its gateway document) rendered for a real cluster —
 * a Knative / Cloud Run Service per service, a Dockerfile and build context
 * per service, cloudbuild.yaml, the gateway document with the target's URLs,
 * and DIR/README.md saying how to apply it and what does not carry over.
 * With a running platform (found as every admin command finds it), its
 * current revisions and traffic are exported; `--no-platform` exports the
 * files alone.
 */
import { Command, Option } from 'commander';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { TrafficPolicy } from '../api/index.js';
import { defaultCacheDir } from '../artifacts/index.js';
import type { PlanAnswer } from '../control-plane/config-applier.js';
import { pendingChanges } from '../control-plane/plan-changes.js';
import type { ExportOptions, ExportTarget } from '../export/export-types.js';
import { exportDeclaration } from '../export/export-declaration.js';
import { readExportInput, type PlatformService } from '../export/read-export-input.js';
import { readConfigFile } from '../config/read-config-file.js';
import { DEFAULT_REGISTRY } from '../export/image-name.js';
import { parseUrlMap } from '../export/url-map.js';
import { assertOutsideSources, writeExport } from '../export/write-export.js';
import { planRequest } from './plan-command.js';
import { adminTarget, callAdmin, PlatformNotRunning, withAdminFlags, type AdminFlags } from './admin-client.js';

interface ExportFlags extends AdminFlags {
  file: string;
  target: ExportTarget;
  out: string;
  registry?: string;
  namespace: string;
  region: string;
  urlMap?: string;
  platform: boolean;
}

const PACKAGE_JSON = new URL('../../../package.json', import.meta.url);

export function exportCommand(): Command {
  return withAdminFlags(new Command('export'))
    .description('render the declaration for Knative or Cloud Run: Service YAML, Dockerfiles, cloudbuild.yaml, the gateway document')
    .addOption(new Option('--target <target>', 'what to export for').choices(['knative', 'cloudrun']).makeOptionMandatory())
    .requiredOption('--out <dir>', 'the directory to write (replaced as a whole; must be empty, new, or an earlier export)')
    .option('-f, --file <path>', 'the mlaas.yaml to export', 'mlaas.yaml')
    .option('--registry <registry>', `where images are pushed, e.g. gcr.io/my-project (default: ${DEFAULT_REGISTRY})`)
    .option('--namespace <ns>', 'Kubernetes namespace of the Knative Services', 'default')
    .option('--region <region>', 'Cloud Run region', 'us-central1')
    .option('--url-map <file>', 'YAML or JSON: SERVICE or SERVICE@TAG → URL, for the gateway document (default: the target’s URL form)')
    .option('--no-platform', 'export the files alone, not the running platform’s revisions and traffic')
    .action(async (flags: ExportFlags) => {
      const options: ExportOptions = {
        target: flags.target,
        registry: (flags.registry ?? DEFAULT_REGISTRY).replace(/\/+$/, ''),
        namespace: flags.namespace,
        region: flags.region,
      };
      const step = (text: string) => process.stderr.write(`  ${text}\n`);
      const platform = flags.platform ? await platformServices(flags, step) : undefined;
      const { version } = JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as { version: string };
      const input = await readExportInput(flags.file, options, {
        ...(platform === undefined ? {} : { platform }),
        modelCacheDir: path.join(defaultCacheDir(), 'models'),
        mlaasVersion: version,
        onStep: (s) => step(`reading ${s}`),
      });
      const urlMap = flags.urlMap === undefined ? undefined : { urls: parseUrlMap(await readConfigFile(flags.urlMap, 'url map'), flags.urlMap), urlMapFile: flags.urlMap };
      assertOutsideSources(
        flags.out,
        input.services.filter((s) => s.imageKind !== 'onnx').map((s) => ({ name: s.name, source: s.config.source })),
      );
      const rendered = exportDeclaration(input, options, { outDir: flags.out, ...urlMap });
      await writeExport(flags.out, rendered.files);
      const out = path.resolve(flags.out);
      process.stdout.write(
        `exported ${input.services.length} services for ${flags.target} to ${out} (${rendered.files.length} files)\n` +
          (rendered.unsupported.length === 0
            ? ''
            : `${rendered.unsupported.length} settings have no ${flags.target} equivalent: listed in ${path.join(out, 'README.md')}\n`),
      );
    });
}

/**
 * What the running platform serves per service. Not running is not an error
 * (the files alone are exported, and the CLI says so) unless an address was given.
 */
async function platformServices(flags: ExportFlags, step: (s: string) => void): Promise<Map<string, PlatformService> | undefined> {
  let target;
  try {
    target = adminTarget(flags);
    const { items } = await callAdmin<{ items: Array<{ name: string }> }>(target, 'GET', '/v1/services');
    // The Service's template is the file's spec: it takes the platform's revision name only when that revision is what the file makes.
    const plan = await callAdmin<PlanAnswer>(target, 'POST', '/v1/plan', await planRequest(flags.file, false));
    const changed = new Set(pendingChanges(plan.changes).filter((c) => c.kind === 'revision').map((c) => c.name));
    const services = new Map<string, PlatformService>();
    for (const { name } of items) {
      const s = await callAdmin<{ latestReadyRevision?: string; traffic: TrafficPolicy }>(target, 'GET', `/v1/services/${encodeURIComponent(name)}`);
      const named = s.latestReadyRevision !== undefined && !changed.has(name);
      services.set(name, { ...(named ? { latestRevision: s.latestReadyRevision } : {}), traffic: s.traffic });
    }
    step(`read the revisions and traffic of ${services.size} services from the platform at ${target.url}`);
    for (const name of changed) step(`${name}: the file differs from the revision the platform runs, so its template gets no revision name`);
    return services;
  } catch (err) {
    if (!(err instanceof PlatformNotRunning) || flags.adminUrl !== undefined) throw err;
    step('no platform is running: exporting the files alone (no revision names; traffic as declared)');
    return undefined;
  }
}
