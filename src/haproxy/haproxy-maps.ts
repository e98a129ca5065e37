/**
 * Map changes through the runtime API: a whole map replaced atomically, or
 * one entry set or deleted. Maps are how the native data plane looks things
 * up per request (API key → tenant, route → backend), so a reader must never
 * see a half-written map, and a key or value must reach HAProxy byte for byte
 * or be refused.
 */
import { MlaasError } from '../errors.js';
import { HaproxyRuntimeApi } from './haproxy-runtime-api.js';

/**
 * HAProxy's CLI splits words on spaces and tabs, ends a command at `;`, and
 * takes `\` as "next character literally"; it has no quoting (`"a b"` is two
 * words, and a surplus word is silently dropped: `set map m k a b` stores
 * `a`). `<` is escaped too so that a value ending in ` <<` is not read as
 * the start of a payload.
 */
const CLI_SPECIAL = /[\\; \t<]/g;
/** One command must fit HAProxy's buffer (tune.bufsize, 16 kB by default) with room to spare. */
const MAX_ENTRY_CHARS = 4096;
const PAYLOAD_CHUNK_CHARS = 8192;

/** A word as the CLI must receive it to read it back as `text`. */
export function escapeCliWord(text: string): string {
  return text.replace(CLI_SPECIAL, (c) => `\\${c}`);
}

/**
 * Throws for what the CLI cannot carry: an empty word, a line break or NUL
 * (a command is one line), a key starting with `#` (`set map`/`del map` read
 * it as an entry reference), or an entry too long for one command.
 */
export function checkMapEntry(map: string, key: string, value?: string): void {
  const problem = entryProblem(key, value);
  if (problem !== undefined) {
    throw new MlaasError('HAPROXY_UNAVAILABLE', `map ${map}: entry ${JSON.stringify(key.slice(0, 80))} cannot be sent to haproxy: ${problem}`);
  }
}

function entryProblem(key: string, value: string | undefined): string | undefined {
  if (key === '') return 'the key is empty';
  if (key.startsWith('#')) return 'a key starting with "#" is read as an entry reference';
  for (const [what, text] of [['key', key], ['value', value]] as const) {
    if (text === undefined) continue;
    if (text === '') return `the ${what} is empty`;
    if (/[\n\r\0]/.test(text)) return `the ${what} holds a line break or NUL`;
  }
  if (key.length + (value?.length ?? 0) > MAX_ENTRY_CHARS) return `longer than ${MAX_ENTRY_CHARS} characters`;
  return undefined;
}

/**
 * Replaces all entries of `map` at once: `prepare map` allocates a new
 * version, the entries are added to it, `commit map` makes it the one
 * lookups see. Until the commit, requests see the old map whole; after it,
 * the new one whole. Entries go in payload form (`add map @v m <<`, many per
 * command) where that form can carry them (key without blanks or `\`, value
 * not starting with a blank: the payload is not unescaped and the value's
 * leading blanks are dropped), else one `add map` per entry.
 *
 * @example
 * await replaceMap(api, '/etc/mlaas/keys.map', new Map([['k1', 'tenant-a'], ['k2', 'tenant-b']]));
 */
export async function replaceMap(api: HaproxyRuntimeApi, map: string, entries: ReadonlyMap<string, string>): Promise<void> {
  for (const [key, value] of entries) checkMapEntry(map, key, value);
  const [prepared] = await api.execute([`prepare map ${escapeCliWord(map)}`]);
  const version = /New version created: (\d+)/.exec(prepared ?? '')?.[1];
  if (version === undefined) throw new MlaasError('HAPROXY_UNAVAILABLE', `prepare map ${map}: unexpected answer ${JSON.stringify(prepared)}`);
  const target = `@${version} ${escapeCliWord(map)}`;
  const commands: string[] = [];
  let chunk: string[] = [];
  let chunkChars = 0;
  const flush = (): void => {
    if (chunk.length > 0) commands.push(`add map ${target} <<\n${chunk.join('\n')}`);
    chunk = [];
    chunkChars = 0;
  };
  for (const [key, value] of entries) {
    if (/[\s\\]/.test(key) || /^\s/.test(value)) {
      commands.push(`add map ${target} ${escapeCliWord(key)} ${escapeCliWord(value)}`);
      continue;
    }
    const line = `${key} ${value}`;
    if (chunkChars + line.length + 1 > PAYLOAD_CHUNK_CHARS) flush();
    chunk.push(line);
    chunkChars += line.length + 1;
  }
  flush();
  commands.push(`commit map ${target}`);
  await api.execute(commands);
}

/**
 * Sets `key` to `value`, adding the entry when absent. Not `add map` alone:
 * it does not check for an existing entry, and a duplicate key leaves
 * lookups on the older value.
 */
export async function setMapEntry(api: HaproxyRuntimeApi, map: string, key: string, value: string): Promise<void> {
  checkMapEntry(map, key, value);
  const words = `${escapeCliWord(map)} ${escapeCliWord(key)} ${escapeCliWord(value)}`;
  const [answer = ''] = await api.send([`set map ${words}`]);
  if (answer === 'entry not found.') await api.execute([`add map ${words}`]);
  else if (answer !== '') throw HaproxyRuntimeApi.refused(`set map ${words}`, answer);
}

/** Deletes every entry of `key`; resolves false when there was none. */
export async function delMapEntry(api: HaproxyRuntimeApi, map: string, key: string): Promise<boolean> {
  checkMapEntry(map, key);
  const command = `del map ${escapeCliWord(map)} ${escapeCliWord(key)}`;
  const [answer = ''] = await api.send([command]);
  if (answer === 'Key not found.') return false;
  if (answer !== '') throw HaproxyRuntimeApi.refused(command, answer);
  return true;
}
