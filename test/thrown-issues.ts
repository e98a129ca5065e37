/**
 * The field issues of the MlaasError a call throws, as `path: message`
 * lines, for unit tests of validation; a call that throws none fails the test.
 */
import { expect } from 'vitest';
import { MlaasError } from '../src/errors.js';

export function thrownIssues(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(MlaasError);
    return ((err as MlaasError).errors ?? []).map((e) => `${e.path}: ${e.message}`);
  }
  throw new Error('expected an MlaasError with field issues, got none');
}
