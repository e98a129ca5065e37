/**
 * The Linux packages a service declares in `apt.txt` (repo2docker's
 * convention): one Debian package name per line, `#` comments and blank
 * lines allowed. Exported images `apt-get install` them; a local build only
 * checks the file and says so, since the host provides its own packages.
 */
import fs from 'node:fs';
import path from 'node:path';
import { MlaasError } from '../errors.js';

export const APT_FILE = 'apt.txt';

/** Debian policy's package name: lower case, digits, `+ - .`, at least two characters, starting alphanumeric. */
const DEBIAN_PACKAGE = /^[a-z0-9][a-z0-9+.-]+$/;

/**
 * The package names of `<dir>/apt.txt` in file order, `[]` without the file.
 *
 * @throws MlaasError ARTIFACT_INVALID naming the first line that is not a package name (it would reach a shell).
 * @example
 * readAptPackages('examples/ocr'); // ['tesseract-ocr', 'libgl1']
 */
export function readAptPackages(dir: string): string[] {
  const file = path.join(dir, APT_FILE);
  if (!fs.existsSync(file)) return [];
  const packages: string[] = [];
  fs.readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .forEach((raw, index) => {
      const line = raw.replace(/#.*/, '').trim();
      if (line === '') return;
      if (!DEBIAN_PACKAGE.test(line)) {
        throw new MlaasError(
          'ARTIFACT_INVALID',
          `${APT_FILE}:${index + 1}: expected one Debian package name per line, got ${JSON.stringify(raw.trim())}`,
        );
      }
      packages.push(line);
    });
  return packages;
}
