/**
 * A client of HAProxy's runtime API (the admin `stats socket`), the one way
 * the control plane changes a running data plane: maps, dynamic servers,
 * weights, stats. Commands of one call run in order on one connection.
 */
import net from 'node:net';
import { MlaasError } from '../errors.js';

/**
 * Output of a changing command that means it worked; anything else it prints
 * is an error ("Unknown map identifier", "No such server.", "Require
 * 'backend/server'.", "entry not found.", "Version number out of range.",
 * "unknown keyword 'x'.", "Permission denied", the usage text of an unknown
 * command...). A whitelist, because HAProxy has no error marker and prints a
 * new message for each thing it refuses.
 */
const CHANGE_OK = /^(|New server registered\.|Server deleted\.|New version created: \d+)$/;
const CHANGING_VERBS = new Set(['add', 'set', 'del', 'clear', 'prepare', 'commit', 'enable', 'disable', 'shutdown', 'abort']);
/** How the reading commands (`show ...`) say they refused; their normal output is free text. */
const SHOW_ERROR = /^(Unknown|No such|Require|Invalid|Permission denied|Missing|Can't find|'[^']*' (is|not))/;

const PROMPT = '\n> ';

/**
 * One connection per call, in `prompt` mode, closed with `quit`. Chosen over a
 * persistent connection because after a reload a kept connection still talks
 * to the old, stopping worker (and keeps it alive); a new one reaches whoever
 * owns the socket now. Connecting costs well under a millisecond; a batch of
 * 100 `set map` takes a few ms either way. `prompt` mode rather than plain
 * `;`-separated commands because 2.6 ends `del server`'s answer without the
 * empty line that separates answers; the prompt ends every answer.
 *
 * A command may carry a payload: its first line ends with ` <<`, the payload
 * lines follow after `\n` (the terminating empty line is added here).
 *
 * @example
 * const api = new HaproxyRuntimeApi('/run/mlaas/haproxy.sock');
 * const [info] = await api.execute(['show info']);
 * await api.execute(['set map /etc/mlaas/keys.map k1 tenant-a', 'set weight be/i1 50']);
 */
export class HaproxyRuntimeApi {
  readonly socketPath: string;
  readonly #timeoutMs: number;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(socketPath: string, options: { timeoutMs?: number } = {}) {
    this.socketPath = socketPath;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  /**
   * Runs the commands in order, one answer per command (trailing newlines
   * removed); rejects naming the first command whose answer is an error.
   * Commands after a failed one have still run: HAProxy does not stop a batch.
   */
  async execute(commands: readonly string[]): Promise<string[]> {
    const outputs = await this.send(commands);
    commands.forEach((command, i) => {
      const output = outputs[i] ?? '';
      if (isErrorOutput(command, output)) throw HaproxyRuntimeApi.refused(command, output);
    });
    return outputs;
  }

  /** The error for a command HAProxy refused, naming the command and the first line of its answer. */
  static refused(command: string, output: string): MlaasError {
    return new MlaasError('HAPROXY_UNAVAILABLE', `haproxy refused \`${firstLine(command)}\`: ${output.trim().split('\n')[0]}`);
  }

  /** Like execute, but returns every answer as it is, errors included, for callers that expect some. */
  send(commands: readonly string[]): Promise<string[]> {
    if (this.#closed) return Promise.reject(new MlaasError('HAPROXY_UNAVAILABLE', `runtime API client for ${this.socketPath} is closed`));
    for (const command of commands) checkCommand(command);
    // Serialized: two callers' batches never interleave, so each sees its own commands in order.
    const result = this.#queue.then(() => this.#exchange(commands));
    this.#queue = result.catch(() => undefined);
    return result;
  }

  /** Refuses further calls; a call already running finishes. */
  close(): void {
    this.#closed = true;
  }

  #exchange(commands: readonly string[]): Promise<string[]> {
    if (commands.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      const socket = net.connect(this.socketPath);
      let received = '';
      const fail = (why: string, cause?: unknown): void => {
        socket.destroy();
        reject(new MlaasError('HAPROXY_UNAVAILABLE', `runtime API ${this.socketPath}: ${why}`, { cause }));
      };
      socket.setTimeout(this.#timeoutMs, () => fail(`no answer within ${this.#timeoutMs} ms`));
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => {
        received += chunk;
      });
      socket.on('error', (error) => fail(error.message, error));
      socket.on('close', () => {
        const answers = splitAnswers(received, commands);
        if (answers.length < commands.length) {
          fail(`connection closed after ${answers.length} of ${commands.length} answers (last command sent: \`${firstLine(commands[answers.length] ?? '')}\`)`);
        } else {
          resolve(answers);
        }
      });
      socket.write(`prompt\n${commands.map(wireForm).join('')}quit\n`);
    });
  }
}

function wireForm(command: string): string {
  // A payload ends with an empty line.
  return command.includes('\n') ? `${command}\n\n` : `${command}\n`;
}

function checkCommand(command: string): void {
  const [head, ...payload] = command.split('\n');
  if (head === undefined || head.trim() === '') throw new MlaasError('HAPROXY_UNAVAILABLE', 'empty runtime API command');
  if (hasUnescapedSemicolon(head)) {
    // HAProxy would run it as two commands with two answers, and every later answer would go to the wrong command.
    throw new MlaasError('HAPROXY_UNAVAILABLE', `\`${head}\`: one command per entry; escape a literal ";" as "\\;"`);
  }
  if (payload.length > 0 && !/ <<$/.test(head)) {
    throw new MlaasError('HAPROXY_UNAVAILABLE', `\`${head}\`: a command with payload lines must end with " <<"`);
  }
  if (payload.some((line) => line === '' || line.includes('\r'))) {
    throw new MlaasError('HAPROXY_UNAVAILABLE', `\`${head}\`: a payload line is empty or holds a carriage return (an empty line would end the payload)`);
  }
}

function hasUnescapedSemicolon(line: string): boolean {
  for (let i = 0; i < line.length; i += 1) {
    if (line[i] === '\\') i += 1;
    else if (line[i] === ';') return true;
  }
  return false;
}

/**
 * The answers in `prompt` mode: the answer to `prompt` itself, then each
 * command's text followed by the prompt `> `; a payload command's answer is
 * preceded by one `+ ` continuation prompt per line it read.
 */
function splitAnswers(received: string, commands: readonly string[]): string[] {
  const answers: string[] = [];
  let at = received.indexOf('> ');
  if (at < 0) return answers;
  at += 2;
  for (const command of commands) {
    const end = received.indexOf(PROMPT, at);
    if (end < 0) break;
    let text = received.slice(at, end + 1);
    if (command.includes('\n')) text = text.replace(/^(\+ )+/, '');
    answers.push(text.replace(/\n+$/, ''));
    at = end + PROMPT.length;
  }
  return answers;
}

function isErrorOutput(command: string, output: string): boolean {
  const verb = command.trimStart().split(/\s/, 1)[0] ?? '';
  if (CHANGING_VERBS.has(verb)) return !CHANGE_OK.test(output.trim());
  return SHOW_ERROR.test(output.trimStart());
}

function firstLine(command: string): string {
  const line = command.split('\n', 1)[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 200)}...` : line;
}
