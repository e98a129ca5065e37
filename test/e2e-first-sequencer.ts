/**
 * Orders test files for a run: the black-box files under test/e2e/ (the
 * slowest, each starting real platforms) before the rest, each group in
 * vitest's own order (slowest first once it has timings, else largest), so
 * that the workers end on short files and finish together.
 */
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const isE2e = (spec: TestSpecification): boolean => spec.moduleId.includes('/test/e2e/');

export default class E2eFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    return [...sorted.filter(isE2e), ...sorted.filter((spec) => !isE2e(spec))];
  }
}
