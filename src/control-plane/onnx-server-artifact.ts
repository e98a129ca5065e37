/**
 * The artifact of a `runtime: onnx` revision. Such a service has no source:
 * its instances run the built-in ONNX server of this mlaas installation, so
 * its revisions name that server (by the package version) where others name
 * a source archive's digest, and every revision still has an artifact.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ONNX_ARTIFACT_KIND, type BuiltArtifactRef } from './revision-spec.js';

/** dist/src/control-plane → dist/src/serving/onnx-server-main.js (the built server; the platform runs from dist/). */
const SERVER_MAIN = fileURLToPath(new URL('../serving/onnx-server-main.js', import.meta.url));
const PACKAGE_JSON = fileURLToPath(new URL('../../../package.json', import.meta.url));

let artifact: BuiltArtifactRef | undefined;

/**
 * @example
 * onnxServerArtifact() // { digest: 'builtin:onnx-server@0.1.0', kind: 'onnx', command: [node, …/onnx-server-main.js], … }
 */
export function onnxServerArtifact(): BuiltArtifactRef {
  artifact ??= {
    digest: `builtin:onnx-server@${(JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as { version: string }).version}`,
    dir: path.dirname(SERVER_MAIN),
    kind: ONNX_ARTIFACT_KIND,
    env: {},
    command: [process.execPath, SERVER_MAIN],
  };
  return artifact;
}
