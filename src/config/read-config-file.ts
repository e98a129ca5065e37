/**
 * Reads a configuration file as text, turning "no such file" into
 * CONFIG_NOT_FOUND with the absolute path it looked at.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { MlaasError } from '../errors.js';

/** `what` names the file in the message: "mlaas.yaml", "gateway document". */
export async function readConfigFile(file: string, what: string): Promise<string> {
  const absolute = path.resolve(file);
  try {
    return await readFile(absolute, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR') {
      throw new MlaasError('CONFIG_NOT_FOUND', `${what} not found: ${absolute}`, { cause: err });
    }
    throw err;
  }
}
