/**
 * What import does with each field of a Knative Service that is not a
 * setting: the metadata Knative, Cloud Run and gcloud write that has no
 * behaviour (accepted), and the annotations and labels that do have one
 * mlaas cannot give (refused by path). A field with behaviour is never
 * accepted and ignored.
 */

/** Object metadata with no behaviour: identity and bookkeeping the API server writes. */
export const META_KEYS = new Set(['name', 'namespace', 'labels', 'annotations', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'selfLink', 'managedFields']);

/** Annotations that record who or what wrote the object, nothing it does. */
export const MEANINGLESS_ANNOTATIONS = new Set([
  'serving.knative.dev/creator',
  'serving.knative.dev/lastModifier',
  'serving.knative.dev/routes',
  'serving.knative.dev/routingStateModified',
  'client.knative.dev/user-image',
  'client.knative.dev/updateTimestamp',
  'run.googleapis.com/client-name',
  'run.googleapis.com/client-version',
  'run.googleapis.com/operation-id',
  'run.googleapis.com/ingress-status',
  'run.googleapis.com/urls',
  'run.googleapis.com/launch-stage',
  'run.googleapis.com/description',
  'kubectl.kubernetes.io/last-applied-configuration',
]);

/**
 * Annotations with behaviour whose value, and only that value, is what mlaas
 * does anyway: reachable from everywhere (through the gateway), full CPU at
 * start and between requests (instances are not CPU-limited).
 */
export const MATCHING_VALUES: Record<string, { value: string; why: string }> = {
  'run.googleapis.com/ingress': { value: 'all', why: 'mlaas instances are reached through its gateway only as ingress all' },
  'run.googleapis.com/startup-cpu-boost': { value: 'true', why: 'mlaas instances are not CPU-limited, so they start with all the CPU there is' },
  'run.googleapis.com/cpu-throttling': { value: 'false', why: 'mlaas instances keep their CPU between requests' },
};

/** Prefixes whose annotations have behaviour on Knative or Cloud Run: an unknown one is refused, not ignored. */
export const BEHAVIOUR_PREFIXES = [
  'autoscaling.knative.dev/',
  'serving.knative.dev/',
  'networking.knative.dev/',
  'features.knative.dev/',
  'run.googleapis.com/',
  'mlaas.dev/',
  'models.mlaas.dev/',
];

/** Labels that change who can reach the service. */
export const BEHAVIOUR_LABELS = new Set(['networking.knative.dev/visibility', 'serving.knative.dev/visibility']);

/** Container fields that describe an image mlaas does not run or the API server's bookkeeping. */
export const MEANINGLESS_CONTAINER_KEYS = new Set(['name', 'imagePullPolicy', 'terminationMessagePath', 'terminationMessagePolicy']);

/** Why a refused container field cannot be had, for the message at its path. */
export const CONTAINER_REFUSALS: Record<string, string> = {
  resources: 'mlaas instances run without CPU or memory requests and limits',
  volumeMounts: 'mlaas instances get no volumes',
  livenessProbe: 'mlaas restarts an instance when its process exits, not on a probe',
  workingDir: "an instance's working directory is its source (mlaas.dev/source)",
  securityContext: 'mlaas sets the user instances run as (instances.user in mlaas.yaml)',
  envFrom: 'mlaas reads no ConfigMaps or Secrets: list the variables in env',
  lifecycle: 'mlaas runs no lifecycle hooks',
};
