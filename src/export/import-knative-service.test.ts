/**
 * Import of Knative Service YAML as gcloud and Knative write it: metadata
 * without behaviour is accepted, every field with behaviour mlaas cannot
 * give is refused at its Knative path, all problems at once, and value
 * rules broken in an annotation are reported at that annotation.
 */
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { readKnativeService } from './read-knative-service.js';

const DIR = '/srv/out/services';

/** What `gcloud run services describe hello --format export` writes for a service deployed with defaults, plus mlaas's source. */
const GCLOUD_EXPORT = `apiVersion: serving.knative.dev/v1
kind: Service
metadata:
  annotations:
    mlaas.dev/source: ../hello
    run.googleapis.com/client-name: gcloud
    run.googleapis.com/client-version: 502.0.0
    run.googleapis.com/ingress: all
    run.googleapis.com/ingress-status: all
    run.googleapis.com/operation-id: 0d4a0b3c-1f2e-4c7b-9a55-2d5c8e1f7a10
    run.googleapis.com/urls: '["https://hello-123456789.europe-west1.run.app"]'
    serving.knative.dev/creator: dev@example.com
    serving.knative.dev/lastModifier: dev@example.com
  labels:
    cloud.googleapis.com/location: europe-west1
  name: hello
  namespace: '123456789'
spec:
  template:
    metadata:
      annotations:
        autoscaling.knative.dev/maxScale: '100'
        run.googleapis.com/client-name: gcloud
        run.googleapis.com/client-version: 502.0.0
        run.googleapis.com/startup-cpu-boost: 'true'
      labels:
        client.knative.dev/nonce: abcdefghij
        run.googleapis.com/startupProbeType: Default
    spec:
      containerConcurrency: 80
      containers:
      - image: europe-west1-docker.pkg.dev/p/r/hello@sha256:${'a'.repeat(64)}
        command: [node, server.js]
        ports:
        - containerPort: 8080
          name: http1
        resources:
          limits:
            cpu: 1000m
            memory: 512Mi
        startupProbe:
          failureThreshold: 1
          periodSeconds: 240
          tcpSocket:
            port: 8080
          timeoutSeconds: 240
      serviceAccountName: 123456789-compute@developer.gserviceaccount.com
      timeoutSeconds: 300
  traffic:
  - latestRevision: true
    percent: 100
`;

function doc(text = GCLOUD_EXPORT): Record<string, unknown> {
  return YAML.parse(text) as Record<string, unknown>;
}

const ACCEPTABLE = GCLOUD_EXPORT.replace(/ {8}resources:\n(.*\n){3}/, '')
  .replace(/ {8}startupProbe:\n(.*\n){5}/, '        startupProbe: { httpGet: { path: /healthz, port: 8080 }, periodSeconds: 2, failureThreshold: 10 }\n')
  .replace(/ {6}serviceAccountName: .*\n/, '');

function issuesOf(document: unknown): Array<{ path: string; message: string }> {
  const read = readKnativeService(document, DIR);
  if (read.ok) throw new Error('expected the import to be refused');
  return read.issues;
}

function pathsOf(document: unknown): string[] {
  return issuesOf(document).map((i) => i.path);
}

describe('import of a Knative Service', () => {
  it('refuses what a default gcloud export has with behaviour mlaas cannot give, all at once', () => {
    expect(issuesOf(doc())).toEqual([
      { path: 'spec.template.spec.serviceAccountName', message: 'not supported by mlaas' },
      { path: 'spec.template.spec.containers[0].resources', message: 'not supported by mlaas: mlaas instances run without CPU or memory requests and limits' },
      { path: 'spec.template.spec.containers[0].startupProbe.tcpSocket', message: 'mlaas probes readiness with an HTTP GET of a path only' },
      { path: 'spec.template.spec.containers[0].startupProbe.httpGet', message: 'expected a map, got nothing' },
      { path: 'spec.template.spec.containers[0].startupProbe.httpGet.path', message: 'expected the readiness path, e.g. /healthz' },
    ]);
  });

  it('accepts gcloud’s metadata and maps what has a meaning', () => {
    const read = readKnativeService(doc(ACCEPTABLE), DIR);
    if (!read.ok) throw new Error(JSON.stringify(read.issues));
    expect(read.name).toBe('hello');
    expect(read.config).toMatchObject({
      source: '/srv/out/hello',
      command: ['node', 'server.js'],
      env: {},
      scaling: { maxInstances: 100, concurrency: 80, minInstances: 0 },
      readiness: { path: '/healthz', timeoutSeconds: 20 },
      timeoutSeconds: 300,
      traffic: { targets: [{ latestRevision: true, percent: 100 }], sticky: false },
    });
  });

  it('accepts what Knative’s defaulting writes where it is what mlaas does', () => {
    const document = doc(
      ACCEPTABLE.replace('      containers:\n', '      enableServiceLinks: false\n      containers:\n').replace(
        '        command: [node, server.js]\n',
        '        command: [node, server.js]\n        name: user-container\n        resources: {}\n        readinessProbe: { httpGet: { path: /healthz }, successThreshold: 1 }\n',
      ),
    );
    const read = readKnativeService(document, DIR);
    if (!read.ok) throw new Error(JSON.stringify(read.issues));
    expect(read.config.readiness.path).toBe('/healthz');
    expect(pathsOf(doc(ACCEPTABLE.replace('      containers:\n', '      enableServiceLinks: true\n      containers:\n')))).toEqual(['spec.template.spec.enableServiceLinks']);
  });

  it('refuses an image without mlaas.dev/source: mlaas runs sources, there is no container engine', () => {
    const issues = issuesOf(doc(ACCEPTABLE.replace('    mlaas.dev/source: ../hello\n', '')));
    expect(issues).toEqual([{ path: 'spec.template.spec.containers[0].image', message: expect.stringContaining('mlaas runs a service from its source, not from an image') as string }]);
  });

  it('refuses mlaas’s own gateway Service (the export’s services/mlaas-gateway.yaml) with why, not as an image without source', () => {
    const doc = YAML.parse(`apiVersion: serving.knative.dev/v1
kind: Service
metadata: { name: mlaas-gateway, annotations: { mlaas.dev/role: gateway } }
spec: { template: { spec: { containers: [{ image: gcr.io/p/mlaas-gateway:1 }] } } }
`) as unknown;
    const read = readKnativeService(doc, DIR);
    expect(read).toEqual({ ok: false, issues: [{ path: 'metadata.annotations.mlaas.dev/role', message: expect.stringMatching(/mlaas's own gateway .* nothing to apply/) }] });
  });

  it('refuses a document that is no Knative Service', () => {
    expect(pathsOf({ apiVersion: 'apps/v1', kind: 'Deployment' })).toEqual(['apiVersion']);
  });

  const refusals: Array<[string, string, string, string]> = [
    ['volume mounts', '        command: [node, server.js]\n', '        command: [node, server.js]\n        volumeMounts: [{ name: data, mountPath: /data }]\n', 'spec.template.spec.containers[0].volumeMounts'],
    ['a liveness probe', '        command: [node, server.js]\n', '        command: [node, server.js]\n        livenessProbe: { httpGet: { path: /live } }\n', 'spec.template.spec.containers[0].livenessProbe'],
    ['env from a secret', '        command: [node, server.js]\n', '        command: [node, server.js]\n        env: [{ name: KEY, valueFrom: { secretKeyRef: { name: s, key: k } } }]\n', 'spec.template.spec.containers[0].env[0].valueFrom'],
    ['an unescaped $(VAR)', '        command: [node, server.js]\n', "        command: [node, server.js, '$(HOME)']\n", 'spec.template.spec.containers[0].command[2]'],
    ['an MLAAS_ variable of its own', '        command: [node, server.js]\n', '        command: [node, server.js]\n        env: [{ name: MLAAS_MODEL_X, value: /m.onnx }]\n', 'spec.template.spec.containers[0].env[0]'],
    ['a second container', '      containers:\n', '      containers:\n      - image: sidecar\n', 'spec.template.spec.containers'],
    ['h2c', '          name: http1\n', '          name: h2c\n', 'spec.template.spec.containers[0].ports[0].name'],
    ['the HPA class', "        autoscaling.knative.dev/maxScale: '100'\n", "        autoscaling.knative.dev/maxScale: '100'\n        autoscaling.knative.dev/class: hpa.autoscaling.knative.dev\n", 'spec.template.metadata.annotations.autoscaling.knative.dev/class'],
    ['the weighted metric aggregation', "        autoscaling.knative.dev/maxScale: '100'\n", "        autoscaling.knative.dev/maxScale: '100'\n        autoscaling.knative.dev/metric-aggregation-algorithm: weighted-exponential\n", 'spec.template.metadata.annotations.autoscaling.knative.dev/metric-aggregation-algorithm'],
    ['an autoscaling annotation mlaas does not know', "        autoscaling.knative.dev/maxScale: '100'\n", "        autoscaling.knative.dev/maxScale: '100'\n        autoscaling.knative.dev/burst: '3'\n", 'spec.template.metadata.annotations.autoscaling.knative.dev/burst'],
    ['a Cloud Run setting with behaviour', "        autoscaling.knative.dev/maxScale: '100'\n", "        autoscaling.knative.dev/maxScale: '100'\n        run.googleapis.com/execution-environment: gen2\n", 'spec.template.metadata.annotations.run.googleapis.com/execution-environment'],
    ['CPU throttled between requests', "        run.googleapis.com/startup-cpu-boost: 'true'\n", "        run.googleapis.com/cpu-throttling: 'true'\n", 'spec.template.metadata.annotations.run.googleapis.com/cpu-throttling'],
    ['internal ingress', '    run.googleapis.com/ingress: all\n', '    run.googleapis.com/ingress: internal\n', 'metadata.annotations.run.googleapis.com/ingress'],
    ['cluster-local visibility', '    cloud.googleapis.com/location: europe-west1\n', '    networking.knative.dev/visibility: cluster-local\n', 'metadata.labels.networking.knative.dev/visibility'],
    ['a revision name mlaas would not give', '    metadata:\n      annotations:\n', '    metadata:\n      name: hello-blue\n      annotations:\n', 'spec.template.metadata.name'],
    ['a traffic target by configuration', '  - latestRevision: true\n', '  - configurationName: hello\n    latestRevision: true\n', 'spec.traffic[0].configurationName'],
    ['a readiness probe with timing', '        command: [node, server.js]\n', '        command: [node, server.js]\n        readinessProbe: { httpGet: { path: /healthz }, periodSeconds: 3 }\n', 'spec.template.spec.containers[0].readinessProbe.periodSeconds'],
    ['a field of the spec mlaas does not know', '  traffic:\n', '  routeName: x\n  traffic:\n', 'spec.routeName'],
  ];
  for (const [what, from, to, at] of refusals) {
    it(`refuses ${what} at ${at}`, () => {
      if (!ACCEPTABLE.includes(from)) throw new Error(`not in the document: ${from}`);
      expect(pathsOf(doc(ACCEPTABLE.replace(from, to)))).toEqual([at]);
    });
  }

  it('reports a value outside mlaas’s rules at the annotation it came from', () => {
    const document = doc(ACCEPTABLE.replace("autoscaling.knative.dev/maxScale: '100'", "autoscaling.knative.dev/maxScale: '100'\n        autoscaling.knative.dev/window: 1s"));
    expect(issuesOf(document)).toEqual([
      { path: 'spec.template.metadata.annotations.autoscaling.knative.dev/window', message: 'expected a duration such as 30s, 500ms or 5m from 6s to 3600s, got "1s"' },
    ]);
    expect(issuesOf(doc(ACCEPTABLE.replace('containerConcurrency: 80', 'containerConcurrency: -1')))).toEqual([
      { path: 'spec.template.spec.containerConcurrency', message: 'expected integer ≥ 0, got -1' },
    ]);
  });

  it('reads Go durations in any spelling Knative takes, and Knative’s kebab-case names beside Cloud Run’s camelCase', () => {
    const document = doc(
      ACCEPTABLE.replace(
        "autoscaling.knative.dev/maxScale: '100'",
        "autoscaling.knative.dev/maxScale: '100'\n        autoscaling.knative.dev/window: 1m30s\n        autoscaling.knative.dev/scale-down-delay: '0'\n        autoscaling.knative.dev/min-scale: '2'",
      ),
    );
    const read = readKnativeService(document, DIR);
    if (!read.ok) throw new Error(JSON.stringify(read.issues));
    expect(read.config.scaling).toMatchObject({ stableWindow: 90_000, scaleDownDelay: 0, minInstances: 2, maxInstances: 100 });
  });

  it('asks for a command at the container’s command when there is none, as mlaas runs no image entrypoint', () => {
    expect(issuesOf(doc(ACCEPTABLE.replace('        command: [node, server.js]\n', '')))).toEqual([
      { path: 'spec.template.spec.containers[0].command', message: 'expected the command that starts an instance (runtime: process), got none' },
    ]);
  });

  it('refuses the same setting in two spellings', () => {
    const document = doc(ACCEPTABLE.replace("autoscaling.knative.dev/maxScale: '100'", "autoscaling.knative.dev/maxScale: '100'\n        autoscaling.knative.dev/max-scale: '5'"));
    expect(pathsOf(document)).toEqual(['spec.template.metadata.annotations.autoscaling.knative.dev/maxScale']);
  });
});
