/**
 * The one way this folder reports a file with problems: the file and the
 * count in the detail, every problem in `errors`.
 */
import { MlaasError, type FieldIssue } from '../errors.js';

export function configError(code: 'CONFIG_INVALID' | 'GATEWAY_DOC_INVALID', file: string, errors: FieldIssue[]): MlaasError {
  const count = errors.length === 1 ? '1 error' : `${errors.length} errors`;
  return new MlaasError(code, `${file}: ${count}`, { errors });
}
