/**
 * The shell commands a Markdown document shows, so that a test can run each
 * one: every fenced code block whose info string is `sh` (or `bash`, `shell`,
 * `console`), read as CommonMark reads fences — a run of three or more
 * backticks or tildes indented at most three spaces, closed by a fence of the
 * same character at least as long — so that a fence inside another block, or
 * an indented code block, is not taken for one. Inside a block, a line ending
 * in `\` continues on the next; a whole-line comment right under a command is
 * what that command prints (`# …` lines, where `…` stands for any text and a
 * line that starts with `(` is a remark, not output); a comment after a
 * command on its own line, two or more blanks away, is a remark too.
 */

export interface DocCommand {
  /** The document's path as given. */
  file: string;
  /** 1-based line of the command's first line. */
  line: number;
  /** The command as a shell reads it: continuation lines joined. */
  command: string;
  /** The output lines the document shows under it, `# ` taken off; empty when it shows none. */
  expected: string[];
}

export interface FencedBlock {
  info: string;
  /** 1-based line of the first line inside the fence. */
  firstLine: number;
  lines: string[];
}

const SHELL_INFO = new Set(['sh', 'bash', 'shell', 'console']);
const FENCE_OPEN = /^ {0,3}(`{3,}|~{3,})(.*)$/;

/** Every fenced code block of `markdown`, with its info string's first word. */
export function fencedBlocks(markdown: string): FencedBlock[] {
  const lines = markdown.split('\n');
  const blocks: FencedBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE_OPEN.exec(lines[i] as string);
    if (open === null) continue;
    const fence = open[1] as string;
    const info = (open[2] as string).trim();
    // A backtick fence's info string may not hold a backtick (CommonMark 4.5): that line is inline code.
    if (fence[0] === '`' && info.includes('`')) continue;
    const close = new RegExp(`^ {0,3}${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`);
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !close.test(lines[j] as string)) body.push(lines[j++] as string);
    blocks.push({ info: info.split(/\s+/)[0] ?? '', firstLine: i + 2, lines: body });
    i = j;
  }
  return blocks;
}

/** The commands of every shell block of `markdown`, in document order. */
export function docCommands(file: string, markdown: string): DocCommand[] {
  const out: DocCommand[] = [];
  for (const block of fencedBlocks(markdown)) {
    if (!SHELL_INFO.has(block.info)) continue;
    let current: DocCommand | undefined;
    for (let k = 0; k < block.lines.length; k++) {
      const text = (block.lines[k] as string).trimEnd();
      const trimmed = text.trim();
      if (trimmed === '') {
        current = undefined;
        continue;
      }
      if (trimmed.startsWith('#')) {
        const shown = trimmed.replace(/^# ?/, '');
        if (current !== undefined && !shown.startsWith('(')) current.expected.push(shown.replace(/\s{2,}\(.*\)$/, ''));
        continue;
      }
      const line = block.firstLine + k;
      let command = text;
      while (command.endsWith('\\') && k + 1 < block.lines.length) {
        command = `${command.slice(0, -1).trimEnd()} ${(block.lines[++k] as string).trim()}`;
      }
      // A remark after the command (`cmd   # why`) is the shell's to ignore; it is not part of what is run.
      current = { file, line, command: command.replace(/\s{2,}#\s.*$/, '').trim(), expected: [] };
      out.push(current);
    }
  }
  return out;
}

/**
 * True when `output` shows the `expected` lines in order (other lines may come
 * between them): each expected line matches a whole output line, `…` standing
 * for any text and runs of blanks for any run of blanks.
 */
export function showsExpected(output: string, expected: readonly string[]): boolean {
  const lines = output.split('\n').map((l) => l.trim().replace(/\s+/g, ' '));
  let at = 0;
  for (const want of expected) {
    const pattern = new RegExp(
      `^${want
        .trim()
        .replace(/\s+/g, ' ')
        .split('…')
        .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*')}$`,
    );
    while (at < lines.length && !pattern.test(lines[at] as string)) at++;
    if (at === lines.length) return false;
    at++;
  }
  return true;
}
