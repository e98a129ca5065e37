/**
 * Where `spawn` would find a command's program: as a path when it has a
 * slash, else in the first PATH directory that holds an executable file of
 * that name. The runtime pool uses it to tell which runtime (which Node
 * binary, which Python venv) an instance's command would start.
 */
import fs from 'node:fs';
import path from 'node:path';

/** The path as found (symlinks kept: a venv's `bin/python` is one), or undefined when it is not there. */
export function findExecutable(program: string, cwd: string, searchPath: string | undefined): string | undefined {
  const candidates = program.includes('/')
    ? [path.resolve(cwd, program)]
    : (searchPath ?? '').split(path.delimiter).filter((d) => d !== '').map((d) => path.resolve(cwd, d, program));
  for (const file of candidates) {
    try {
      fs.accessSync(file, fs.constants.X_OK);
      if (fs.statSync(file).isFile()) return file;
    } catch {
      // not here
    }
  }
  return undefined;
}
