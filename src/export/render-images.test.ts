// What mlaas export writes for the images, together: a context per service and one cloudbuild.yaml that builds
// exactly the images the contexts are for, plus images other parts render (knative: mlaas-gateway).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { fastapiService, onnxService, spamFilterService } from './fixtures/exported-services.js';
import { renderImages } from './render-images.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mlaas-export-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('renderImages', () => {
  it('writes a build context per service and a cloudbuild.yaml that builds them and the images of other parts', () => {
    const services = [spamFilterService(root), fastapiService(), onnxService(root)];
    const gateway = { name: 'mlaas-gateway', image: 'gcr.io/my-project/mlaas-gateway:00aa11bb22cc' };
    const { files, unsupported } = renderImages({ services, mlaasVersion: '0.1.0' }, {
      target: 'knative',
      registry: 'gcr.io/my-project',
      namespace: 'ml',
      region: 'europe-west1',
    }, [gateway]);
    const dockerfiles = files.filter((file) => file.path.endsWith('/Dockerfile')).map((file) => file.path);
    expect(dockerfiles).toEqual(services.map((service) => `build/${service.name}/Dockerfile`));
    const cloudbuild = parse(String(files.find((file) => file.path === 'cloudbuild.yaml')?.content)) as { images: string[] };
    expect(cloudbuild.images).toEqual([...services.map((s) => s.image), gateway.image].sort());
    expect(unsupported).toEqual([]);
  });
});
