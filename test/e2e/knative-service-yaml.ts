/**
 * A Knative Service YAML for a Node service of an e2e test's directory, in
 * the form `mlaas export --target knative` writes (annotations, probe,
 * port), for the tests that `mlaas apply -f` it.
 */

/** A Knative Service, as `mlaas export --target knative` writes it (`extra` goes into the container). */
export function knativeServiceYaml(name: string, options: { source?: string; env?: Record<string, string>; maxScale?: number; extra?: string } = {}): string {
  const source = options.source === undefined ? '' : `  annotations:\n    mlaas.dev/source: ${options.source}\n`;
  const env = Object.entries(options.env ?? {})
    .map(([k, v]) => `        - name: ${k}\n          value: ${JSON.stringify(v)}\n`)
    .join('');
  return `apiVersion: serving.knative.dev/v1
kind: Service
metadata:
  name: ${name}
  namespace: default
${source}spec:
  template:
    metadata:
      annotations:
        autoscaling.knative.dev/class: kpa.autoscaling.knative.dev
        autoscaling.knative.dev/min-scale: "1"
        autoscaling.knative.dev/max-scale: "${options.maxScale ?? 2}"
        mlaas.dev/drain-timeout-seconds: "1"
    spec:
      containerConcurrency: 0
      containers:
      - image: gcr.io/PROJECT_ID/${name}:0123456789ab
        command: [node, server.mjs]
        ports:
        - name: http1
          containerPort: 8080
${env === '' ? '' : `        env:\n${env}`}        readinessProbe:
          httpGet:
            path: /healthz
${options.extra ?? ''}`;
}
