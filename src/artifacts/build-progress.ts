/** What a build reports while it runs, for the CLI's progress line. */

/** `unpack` the archive, install or reuse `dependencies`, run the `build` script, `ready`. */
export type BuildStep = 'unpack' | 'dependencies' | 'build' | 'ready';

export type BuildProgress = (step: BuildStep, detail?: string) => void;
