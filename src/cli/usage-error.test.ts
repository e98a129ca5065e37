import { Command, CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { configureUsageErrors, exitCodeOf, integerValue } from './usage-error.js';

/** `mlaas keys create --rpm <n>` as main.ts builds it (a group added with addCommand), with stderr captured. */
function program(): { root: Command; stderr: () => string } {
  let written = '';
  const root = new Command('mlaas');
  const keys = new Command('keys');
  keys.command('create').option('--rpm <n>', 'requests per minute', integerValue).action(() => undefined);
  root.addCommand(keys);
  configureUsageErrors(root);
  const capture = (c: Command): void => {
    c.configureOutput({ writeErr: (s) => (written += s), writeOut: () => undefined });
    c.commands.forEach(capture);
  };
  capture(root);
  return { root, stderr: () => written };
}

async function exitOf(args: string[]): Promise<{ code: number; stderr: string }> {
  const { root, stderr } = program();
  try {
    await root.parseAsync(args, { from: 'user' });
    return { code: 0, stderr: stderr() };
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    return { code: exitCodeOf(err), stderr: stderr() };
  }
}

describe('configureUsageErrors', () => {
  it('reports an unknown option of a nested command in one line and a hint at its help, exit 2', async () => {
    expect(await exitOf(['keys', 'create', '--bogus'])).toEqual({
      code: 2,
      stderr: "error: unknown option '--bogus'\nrun `mlaas keys create --help` for usage\n",
    });
  });

  it('reports a flag value its parser refuses the same way', async () => {
    expect(await exitOf(['keys', 'create', '--rpm', '1e3'])).toEqual({
      code: 2,
      stderr: "error: option '--rpm <n>' argument '1e3' is invalid. expected an integer.\nrun `mlaas keys create --help` for usage\n",
    });
  });

  it('keeps --help at exit 0', async () => {
    expect((await exitOf(['keys', 'create', '--help'])).code).toBe(0);
  });
});
