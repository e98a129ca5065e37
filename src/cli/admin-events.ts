/**
 * Reads a long admin action's answer and hands each progress event on. The
 * request asks for progress with PROGRESS_HEADERS; the admin API then streams
 * `application/x-ndjson` (events, then `{"result": …}` or `{"error": problem}`)
 * once the action has started, and answers a problem with its real status if
 * it fails before. A problem, in the stream or as the whole answer, becomes an MlaasError.
 */
import { MlaasError, type ErrorCode, type FieldIssue } from '../errors.js';
import { flagNamesOf, type FlagNames } from './flag-names.js';

const NDJSON = 'application/x-ndjson';

/** Headers a long action's request adds so that its progress is streamed back. */
export const PROGRESS_HEADERS = { accept: NDJSON } as const;

interface Problem {
  code?: ErrorCode;
  detail?: string;
  errors?: FieldIssue[];
}

/**
 * @example
 * const result = await readAdminEvents<ModelVersion>(res, (e) => console.error(e.step, e.detail));
 *
 * `flags` names the command's flags for the query parameters or body fields
 * they set, for the issues of a request refused before the action started.
 */
export async function readAdminEvents<T>(res: Response, onEvent: (event: Record<string, unknown>) => void, flags: FlagNames = {}): Promise<T> {
  if (!res.ok || res.body === null) {
    const problem = (await res.json().catch(() => ({}))) as Problem;
    const error = new MlaasError(problem.code ?? 'ADMIN_INTERNAL', problem.detail ?? `admin API answered ${res.status}`, { errors: problem.errors ?? [] });
    throw flagNamesOf(error, flags);
  }
  // A server that did not stream answered with the result itself.
  if (!(res.headers.get('content-type') ?? '').startsWith(NDJSON)) return (await res.json()) as T;
  let result: { value: T } | undefined;
  for await (const line of lines(res.body)) {
    const event = JSON.parse(line) as Record<string, unknown> & { result?: T; error?: Problem };
    if (event.error !== undefined) {
      throw new MlaasError(event.error.code ?? 'ADMIN_INTERNAL', event.error.detail ?? 'the action failed', { errors: event.error.errors ?? [] });
    }
    if ('result' in event) result = { value: event.result as T };
    else onEvent(event);
  }
  if (result === undefined) throw new Error('the admin API ended the stream without a result');
  return result.value;
}

async function* lines(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffered = '';
  for await (const chunk of body) {
    buffered += decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl).trim();
      buffered = buffered.slice(nl + 1);
      if (line !== '') yield line;
    }
  }
  if (buffered.trim() !== '') yield buffered.trim();
}
