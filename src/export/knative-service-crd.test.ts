/**
 * Every exported Service, of every test service and both targets, is valid
 * by Knative Serving's own CRD schema (read from ../shared/schemas/) and
 * has no field the API server would prune.
 */
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { renderKnativeService, renderServiceManifests } from './render-knative-service.js';
import { CLOUD_RUN, KNATIVE, SERVICES, exportedService } from '../../test/exported-services.js';
import { crdErrors, prunedFields } from '../../test/knative-crd.js';

describe('exported Knative Services by the CRD schema', () => {
  for (const options of [KNATIVE, CLOUD_RUN]) {
    for (const name of Object.keys(SERVICES)) {
      it(`${options.target}: ${name} is valid and nothing in it would be pruned`, () => {
        const service = { ...exportedService(name), revisionName: `${name}-00002` };
        const object = YAML.parse(renderKnativeService(service, options).yaml) as unknown;
        expect(crdErrors(object)).toEqual([]);
        expect(prunedFields(object)).toEqual([]);
      });
    }
  }

  it('the check sees a field Kubernetes would prune and one the schema refuses', () => {
    const object = YAML.parse(renderKnativeService(exportedService('minimal'), KNATIVE).yaml) as { spec: { template: { spec: Record<string, unknown> } } };
    object.spec.template.spec['drainTimeoutSeconds'] = 5;
    object.spec.template.spec['containerConcurrency'] = 'many';
    expect(prunedFields(object)).toEqual(['.spec.template.spec.drainTimeoutSeconds']);
    expect(crdErrors(object)).toEqual(['/spec/template/spec/containerConcurrency must be integer']);
  });

  it('writes one file per service under services/, and lists what none of them carries over', () => {
    const rendered = renderServiceManifests([exportedService('spam-filter'), exportedService('everything')], KNATIVE);
    expect(rendered.files.map((f) => f.path)).toEqual(['services/everything.yaml', 'services/spam-filter.yaml']);
    expect(rendered.unsupported.map((u) => u.path)).toContain('services.everything.traffic.mirror');
  });
});
