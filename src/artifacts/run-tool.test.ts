import os from 'node:os';
import { describe, expect, it } from 'vitest';
import type { MlaasError } from '../errors.js';
import { runTool } from './run-tool.js';

describe('runTool', () => {
  it("puts the tail of a failed build script's stderr in the error, not its stdout", async () => {
    const failure = await runTool({
      what: 'build script "tsc"',
      command: 'sh',
      args: ['-c', 'echo compiling 12 files; echo "src/a.ts(3,1): error TS2304: Cannot find name x" >&2; exit 2'],
      cwd: os.tmpdir(),
      env: process.env,
    }).then(
      () => undefined,
      (err: unknown) => err as MlaasError,
    );
    expect(failure?.code).toBe('ARTIFACT_BUILD_FAILED');
    expect(failure?.message).toBe('build script "tsc" failed (exit code 2):\nsrc/a.ts(3,1): error TS2304: Cannot find name x');
  });
});
