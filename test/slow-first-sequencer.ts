/**
 * Orders test files for a run: the black-box files under test/e2e/ and test/conformance/ and the
 * examples' tests (the slowest: they start real platforms, install and train)
 * before the rest, each group in vitest's own order (slowest first once it
 * has timings, else largest), so that the workers end on short files and
 * finish together.
 */
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const SLOW_FOLDERS = ['/test/e2e/', '/test/conformance/', '/examples/'];

const isSlow = (spec: TestSpecification): boolean => SLOW_FOLDERS.some((folder) => spec.moduleId.includes(folder));

export default class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    return [...sorted.filter(isSlow), ...sorted.filter((spec) => !isSlow(spec))];
  }
}
