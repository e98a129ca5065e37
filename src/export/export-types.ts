/**
 * The shapes `mlaas export` passes between its parts: what is exported
 * (a declaration, read from mlaas.yaml and, with a running platform, its
 * revisions and traffic), for which target, and what each renderer gives
 * back: files under the output directory and the features it could not
 * carry over, which DIR/README.md lists so nothing is dropped in silence.
 */
import type { GatewayDocument, MlaasConfig, ServiceConfig } from '../config/index.js';

export type ExportTarget = 'knative' | 'cloudrun';

export interface ExportOptions {
  target: ExportTarget;
  /** Where images are pushed, e.g. `gcr.io/my-project`. */
  registry: string;
  /** Kubernetes namespace of the Knative Services (knative target). */
  namespace: string;
  /** Cloud Run region, e.g. `europe-west1` (cloudrun target). */
  region: string;
}

/** How a service's image is built: from its source (node, python, plain) or as mlaas's own ONNX server. */
export type ImageKind = 'node' | 'python' | 'plain' | 'onnx';

/** One model a service declares, resolved to the file that goes into its image. */
export interface ExportedModel {
  /** The name in the service's `models:` (instances get `MLAAS_MODEL_<NAME>`). */
  name: string;
  /** As declared: `spam@production`. */
  ref: string;
  /** The store's model name and the version the ref resolved to. */
  model: string;
  version: number;
  /** sha256 of the bytes, `sha256:<hex>`. */
  digest: string;
  /** The local file the bytes are copied from. */
  localPath: string;
  /** Its path inside the build context and the image (`models/<name>.onnx`). */
  contextPath: string;
}

/** Knative's traffic target, as mlaas.yaml and Knative spell it. */
export interface ExportedTrafficTarget {
  revisionName?: string;
  latestRevision?: boolean;
  tag?: string;
  percent: number;
}

/** One service to export. */
export interface ExportedService {
  name: string;
  /** The service after defaults (absolute `source`). */
  config: ServiceConfig;
  imageKind: ImageKind;
  /** The platform's state directory, which the build context leaves out of the source as a deploy does. */
  stateDir?: string;
  /** `REGISTRY/NAME:TAG`, the same in the service YAML and the build. */
  image: string;
  /** The revision the platform serves now (template name), when a platform was asked. */
  revisionName?: string;
  /** Traffic targets: the platform's current ones, else the declared ones, else none (Knative: 100% latest). */
  traffic?: ExportedTrafficTarget[];
  models: ExportedModel[];
}

/** All of what is exported. */
export interface ExportInput {
  config: MlaasConfig;
  /** The gateway document as mlaas reads it (operations, backends). */
  document: GatewayDocument;
  /** The gateway document as written (parsed YAML after `${VAR}` substitution): what the export rewrites. */
  documentSource: Record<string, unknown>;
  /** Its file name, e.g. `api-gateway.yaml`. */
  documentName: string;
  services: ExportedService[];
  /** The mlaas version exporting (the ONNX server and gateway images install this version). */
  mlaasVersion: string;
}

/** A file under the output directory; `path` is relative and uses `/`. */
export interface ExportFile {
  path: string;
  content: string | Buffer;
  /** Copied from this local file instead of `content` (sources, models). */
  from?: string;
}

/** An mlaas feature in use that the target has no equivalent for. */
export interface UnsupportedFeature {
  /** Where it is declared: `services.spam-filter.scaling.scaleToZeroAfter`, `api-gateway.yaml: paths./v1/x.post…`. */
  path: string;
  /** What happens to it on the target, in one sentence. */
  detail: string;
}

/** What each renderer gives back. */
export interface Rendered {
  files: ExportFile[];
  unsupported: UnsupportedFeature[];
}
