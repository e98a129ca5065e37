/**
 * Which image a service exports as: mlaas's own ONNX server for
 * `runtime: onnx`, else what its source builds as locally (package.json →
 * node, requirements.txt or pyproject.toml → python, else plain), so that
 * the image and `mlaas deploy` read a source the same way.
 */
import { detectKind } from '../artifacts/artifact-store.js';
import type { ServiceConfig } from '../config/index.js';
import type { ImageKind } from './export-types.js';

/**
 * @example
 * imageKindOf({ runtime: 'process', source: '/repo/examples/spam-filter', … }); // 'node'
 */
export function imageKindOf(config: Pick<ServiceConfig, 'runtime' | 'source'>): ImageKind {
  return config.runtime === 'onnx' ? 'onnx' : detectKind(config.source);
}
