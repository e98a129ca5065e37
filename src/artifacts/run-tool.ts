/**
 * Runs one build tool (npm, pip, a build script) as a child process and turns
 * its failure into ARTIFACT_BUILD_FAILED carrying what the tool said went
 * wrong: its own error lines when `explain` finds them (npm's, pip's), else
 * the last lines of its stderr (of all its output when stderr is empty).
 */
import { spawn } from 'node:child_process';
import { MlaasError } from '../errors.js';

/** Enough for the tail of an npm or pip error; older output is dropped as it comes. */
const KEEP_OUTPUT_CHARS = 64 * 1024;
const TAIL_LINES = 20;

export interface ToolRun {
  /** What is being done, for the error: `npm ci`, `build script "esbuild …"`. */
  what: string;
  command: string;
  args: readonly string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** A better error detail for a known failure, from the whole kept output (stdout and stderr interleaved). */
  explain?: (output: string) => string | undefined;
}

export function lastLines(text: string, count = TAIL_LINES): string {
  return text.trimEnd().split('\n').slice(-count).join('\n');
}

/** Resolves with the tool's output (stdout and stderr interleaved) when it exits 0. */
export function runTool(run: ToolRun): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    let stderr = '';
    const keep = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (output.length > KEEP_OUTPUT_CHARS) output = output.slice(-KEEP_OUTPUT_CHARS);
    };
    const child = spawn(run.command, run.args, { cwd: run.cwd, env: run.env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', keep);
    child.stderr.on('data', (chunk: Buffer) => {
      keep(chunk);
      stderr += chunk.toString('utf8');
      if (stderr.length > KEEP_OUTPUT_CHARS) stderr = stderr.slice(-KEEP_OUTPUT_CHARS);
    });
    child.once('error', (err) => {
      reject(new MlaasError('ARTIFACT_BUILD_FAILED', `${run.what}: could not start ${run.command}: ${err.message}`, { cause: err }));
    });
    child.once('close', (code, signal) => {
      if (code === 0) {
        resolve(output);
        return;
      }
      const how = signal === null ? `exit code ${code}` : `signal ${signal}`;
      const said = stderr.trim() === '' ? output : stderr;
      const detail = run.explain?.(output) ?? `${run.what} failed (${how}):\n${lastLines(said)}`;
      reject(new MlaasError('ARTIFACT_BUILD_FAILED', detail));
    });
  });
}
