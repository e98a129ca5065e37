/**
 * Finds a parsed JSON value nested deeper than a limit, without recursion.
 * JSON.parse takes any depth, but JSON.stringify, zod and every recursive
 * walker after it overflow the stack somewhere past a few thousand levels;
 * a server that reads JSON from callers checks this first, so that such a
 * body is a 400 naming where it went too deep, not a crash or a 500.
 */
import { MlaasError, type ErrorCode } from './errors.js';

/** Deeper than any tensor, config or flag document mlaas reads; far below a stack overflow. */
export const MAX_JSON_DEPTH = 64;

interface Frame {
  container: unknown[] | Record<string, unknown>;
  keys: string[] | undefined;
  next: number;
}

/**
 * The path (`inputs[0].data[0][0]`, `''` for the root) of the first value
 * that sits more than `limit` containers deep, or undefined if none does.
 *
 * @example
 * pathDeeperThan(JSON.parse('{"a": [[1]]}'), 2) // 'a[0]'
 */
export function pathDeeperThan(value: unknown, limit = MAX_JSON_DEPTH): string | undefined {
  if (!isContainer(value)) return undefined;
  const stack: Frame[] = [frameOf(value)];
  while (stack.length > 0) {
    const top = stack[stack.length - 1] as Frame;
    const size = top.keys === undefined ? (top.container as unknown[]).length : top.keys.length;
    if (top.next >= size) {
      stack.pop();
      continue;
    }
    const key = top.keys === undefined ? top.next : (top.keys[top.next] as string);
    top.next += 1;
    const child = (top.container as Record<string | number, unknown>)[key];
    if (!isContainer(child)) continue;
    if (stack.length >= limit) return formatPath(stack);
    stack.push(frameOf(child));
  }
  return undefined;
}

/**
 * Throws `code` (a 400 of the server that read the body) naming the field
 * that goes too deep.
 */
export function assertJsonDepth(value: unknown, code: ErrorCode): void {
  const path = pathDeeperThan(value);
  if (path === undefined) return;
  const message = `nested deeper than ${MAX_JSON_DEPTH} levels`;
  throw new MlaasError(code, `${path || '(root)'}: ${message}`, { errors: [{ path, message }] });
}

function isContainer(v: unknown): v is unknown[] | Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

function frameOf(container: unknown[] | Record<string, unknown>): Frame {
  return { container, keys: Array.isArray(container) ? undefined : Object.keys(container), next: 0 };
}

/** A caller's key is clipped: the path names a place, it does not echo the body. */
const MAX_KEY_CHARS = 32;

/** The path of the value the top frame last stepped into. */
function formatPath(stack: readonly Frame[]): string {
  let out = '';
  for (const frame of stack) {
    const at = frame.next - 1;
    if (frame.keys === undefined) {
      out += `[${at}]`;
      continue;
    }
    const key = frame.keys[at] as string;
    const shown = key.length > MAX_KEY_CHARS ? `${key.slice(0, MAX_KEY_CHARS)}...` : key;
    out += out === '' ? shown : `.${shown}`;
  }
  return out;
}
