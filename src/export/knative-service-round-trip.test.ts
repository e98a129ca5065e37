/**
 * Export → import of Knative Service YAML: every setting of a ServiceConfig
 * comes back the same, for both targets, from the YAML text itself; the
 * same service renders the same bytes; the declared scaling is in
 * Knative's annotations with Knative's names and value rules.
 */
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { renderKnativeService } from './render-knative-service.js';
import { readKnativeService } from './read-knative-service.js';
import { CLOUD_RUN, KNATIVE, SERVICES, YAML_DIR, exportedService, placementOf, serviceConfig } from '../../test/exported-services.js';

describe('Knative Service round trip', () => {
  for (const options of [KNATIVE, CLOUD_RUN]) {
    for (const name of Object.keys(SERVICES)) {
      it(`${options.target}: ${name} comes back as the same ServiceConfig`, () => {
        const config = serviceConfig(name);
        const { yaml } = renderKnativeService(exportedService(name, config), options, placementOf(config));
        const read = readKnativeService(YAML.parse(yaml), YAML_DIR);
        expect(read).toEqual({ ok: true, name, config });
      });
    }
  }

  it('renders the same bytes twice', () => {
    const a = renderKnativeService(exportedService('everything'), KNATIVE).yaml;
    const b = renderKnativeService(exportedService('everything'), KNATIVE).yaml;
    expect(a).toBe(b);
  });

  it('writes the declared scaling as Knative annotations, by Knative’s names and value rules', () => {
    const { object } = renderKnativeService(exportedService('everything'), KNATIVE);
    const template = (object['spec'] as { template: { metadata: { annotations: Record<string, string> }; spec: Record<string, unknown> } }).template;
    expect(template.metadata.annotations).toMatchObject({
      'autoscaling.knative.dev/class': 'kpa.autoscaling.knative.dev',
      'autoscaling.knative.dev/min-scale': '2',
      'autoscaling.knative.dev/max-scale': '8',
      'autoscaling.knative.dev/initial-scale': '3',
      'autoscaling.knative.dev/metric': 'rps',
      'autoscaling.knative.dev/target': '50',
      'autoscaling.knative.dev/target-utilization-percentage': '80',
      'autoscaling.knative.dev/window': '120s',
      'autoscaling.knative.dev/panic-window-percentage': '20',
      'autoscaling.knative.dev/panic-threshold-percentage': '300',
      'autoscaling.knative.dev/activation-scale': '4',
      'autoscaling.knative.dev/target-burst-capacity': '-1',
      'autoscaling.knative.dev/scale-to-zero-pod-retention-period': '1500ms',
      'autoscaling.knative.dev/scale-down-delay': '30s',
      'mlaas.dev/scale-to-zero-after': '45s',
      'models.mlaas.dev/classifier': 'spam@3',
    });
    expect(template.spec).toMatchObject({ containerConcurrency: 20, timeoutSeconds: 120 });
    expect((object['spec'] as { traffic: unknown }).traffic).toEqual([
      { revisionName: 'everything-00002', percent: 90, tag: 'stable' },
      { latestRevision: true, percent: 10, tag: 'next' },
    ]);
  });

  it('writes Cloud Run’s forms: camelCase min/max scale, the region label, a startup probe, containerConcurrency within 1–1000', () => {
    const { object } = renderKnativeService(exportedService('spam-filter'), CLOUD_RUN);
    const metadata = object['metadata'] as Record<string, unknown>;
    expect(metadata['labels']).toEqual({ 'cloud.googleapis.com/location': 'europe-west1' });
    expect(metadata['namespace']).toBeUndefined();
    const template = (object['spec'] as { template: { metadata: { annotations: Record<string, string> }; spec: { containerConcurrency: number; containers: Array<Record<string, unknown>> } } }).template;
    expect(template.metadata.annotations['autoscaling.knative.dev/minScale']).toBe('1');
    expect(template.metadata.annotations['autoscaling.knative.dev/maxScale']).toBe('10');
    expect(Object.keys(template.metadata.annotations).filter((k) => k.startsWith('autoscaling.knative.dev/')).sort()).toEqual([
      'autoscaling.knative.dev/maxScale',
      'autoscaling.knative.dev/minScale',
    ]);
    expect(template.spec.containerConcurrency).toBe(1000);
    expect(template.metadata.annotations['mlaas.dev/container-concurrency']).toBe('0');
    const container = template.spec.containers[0] as Record<string, unknown>;
    expect(container['startupProbe']).toEqual({ httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 1, timeoutSeconds: 1, failureThreshold: 30 });
    expect(container['readinessProbe']).toBeUndefined();
    expect(container['command']).toEqual(['node', 'dist/server.js']);
    expect(container['env']).toEqual([
      { name: 'LOG_LEVEL', value: 'info' },
      { name: 'MLAAS_MODEL_CLASSIFIER', value: '/app/models/classifier.onnx' },
    ]);
  });

  it('escapes $( and $$ so that Kubernetes passes them as written', () => {
    const { object } = renderKnativeService(exportedService('everything'), KNATIVE);
    const container = (object['spec'] as { template: { spec: { containers: Array<{ command: string[] }> } } }).template.spec.containers[0];
    expect(container?.command.at(-1)).toBe('cost $$(X) and $$$$5');
  });

  it('writes the revision name when the platform told it, and no traffic when none is known', () => {
    const service = { ...exportedService('spam-filter'), revisionName: 'spam-filter-00003' };
    const { object } = renderKnativeService(service, KNATIVE);
    const spec = object['spec'] as { template: { metadata: { name?: string } }; traffic?: unknown };
    expect(spec.template.metadata.name).toBe('spam-filter-00003');
    expect(spec.traffic).toBeUndefined();
    expect(readKnativeService(object, YAML_DIR).ok).toBe(true);
  });
});
