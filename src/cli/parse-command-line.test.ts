import { describe, expect, it } from 'vitest';
import { parseCommandLine } from './parse-command-line.js';

describe('parseCommandLine', () => {
  it('splits with shell quoting rules and keeps $VAR as written', () => {
    expect(parseCommandLine('--command', `node -e "console.log(process.env.PORT, '$PORT')" 'a b' c\\ d`)).toEqual([
      'node',
      '-e',
      "console.log(process.env.PORT, '$PORT')",
      'a b',
      'c d',
    ]);
  });

  it('refuses shell operators, globs and comments, naming the flag', () => {
    expect(() => parseCommandLine('--command', 'node server.js | tee log')).toThrow(
      "--command: expected a command and its arguments, got the shell operator | (no shell runs the command; use sh -c '…' for one)",
    );
    expect(() => parseCommandLine('--args', 'a > out')).toThrow('--args: expected a command and its arguments, got the shell operator >');
    expect(() => parseCommandLine('--command', 'cat *.txt')).toThrow('--command: no shell expands *.txt: give the file names');
    expect(() => parseCommandLine('--command', 'node # comment')).toThrow('--command: expected a command and its arguments, got a comment (# comment)');
  });
});
