/**
 * `haproxy -c -f file`: whether a config would load, and HAProxy's own words
 * when not, before a start or a reload puts it in front of traffic.
 */
import { execFile } from 'node:child_process';

export type ConfigCheck = { ok: true } | { ok: false; errors: string[] };

/**
 * @example
 * const check = await checkConfig('/run/mlaas/haproxy.cfg', '/usr/sbin/haproxy');
 * if (!check.ok) console.error(check.errors.join('\n')); // "[ALERT] ... parsing [haproxy.cfg:12] : unknown keyword 'blance' ..."
 */
export function checkConfig(file: string, binary: string): Promise<ConfigCheck> {
  return new Promise((resolve) => {
    execFile(binary, ['-c', '-f', file], { timeout: 30_000 }, (error, stdout, stderr) => {
      if (error === null) {
        resolve({ ok: true });
        return;
      }
      const lines = `${stderr}${stdout}`.split('\n').filter((line) => /\[(ALERT|ERROR)\]|error/i.test(line));
      resolve({ ok: false, errors: lines.length > 0 ? lines : [error.message] });
    });
  });
}
