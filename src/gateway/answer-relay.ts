/**
 * Relays one backend answer into the caller's response with a dispatch
 * handler of the gateway's own, where undici's `Pool.stream` would, per
 * request, parse the answer's head into an object (that the gateway then
 * copied for the caller), bind two async scopes, watch the response with
 * `stream.finished` (half a dozen listeners) and add and remove an abort and
 * a drain listener. Here the raw head becomes the caller's head in one pass
 * (forward-headers.ts), the body is written through with undici's own
 * backpressure, and the caller leaving is one `close` listener that aborts
 * the backend call, so that the instance stops working for nobody.
 *
 * Settles once the answer is handed to the caller's connection: resolves
 * when the backend's body ended and the caller's response was ended, rejects with undici's error (its code tells
 * a refused connection from a timeout: backend-call.ts) when the call
 * failed, before or after the head — after it, the caller's connection is
 * cut, as only that says the answer broke off.
 */
import type { ServerResponse } from 'node:http';
import type { Writable } from 'node:stream';
import type { Dispatcher } from 'undici';

/** Writes the answer's head on the caller's response and says where the body goes (the response, or a tap on it). */
export type AnswerHead = (statusCode: number, rawHeaders: readonly Buffer[]) => Writable;

export function relayAnswer(dispatcher: Dispatcher, request: Dispatcher.DispatchOptions, res: ServerResponse, head: AnswerHead): Promise<void> {
  return new Promise((resolve, reject) => {
    dispatcher.dispatch(request, new AnswerRelay(res, head, resolve, reject));
  });
}

class AnswerRelay implements Dispatcher.DispatchHandler {
  readonly #res: ServerResponse;
  readonly #head: AnswerHead;
  readonly #resolve: () => void;
  readonly #reject: (err: Error) => void;
  #abort: ((err?: Error) => void) | undefined = undefined;
  #resume: (() => void) | undefined = undefined;
  #body: Writable | undefined = undefined;
  #settled = false;

  constructor(res: ServerResponse, head: AnswerHead, resolve: () => void, reject: (err: Error) => void) {
    this.#res = res;
    this.#head = head;
    this.#resolve = resolve;
    this.#reject = reject;
    // `on`: a response closes once, and settling takes the listener off; `once` would wrap it per request.
    res.on('close', this.#callerClosed);
  }

  onConnect(abort: (err?: Error) => void): void {
    this.#abort = abort;
    // The caller left while the request waited for a connection.
    if (this.#res.destroyed) abort(callerLeft());
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    // 1xx answers are the connection's business (100 Continue): the caller gets the final one.
    if (statusCode < 200) return true;
    this.#resume = resume;
    this.#body = this.#head(statusCode, rawHeaders);
    return this.#room();
  }

  onData(chunk: Buffer): boolean {
    (this.#body as Writable).write(chunk);
    return this.#room();
  }

  onComplete(): void {
    const body = this.#body;
    this.#settle();
    if (body === undefined || body === this.#res) {
      body?.end();
      this.#resolve();
      return;
    }
    // A tap (shadow-mirror.ts) ends the caller's response in its final step: settled after that, so the copy follows the answer.
    body.once('finish', this.#resolve);
    body.once('error', this.#resolve);
    body.end();
  }

  onError(err: Error): void {
    if (this.#settled) return;
    if (this.#body !== undefined) {
      if (this.#body !== this.#res) this.#body.destroy(err);
      this.#res.destroy();
    }
    this.#settle();
    this.#reject(err);
  }

  /** False pauses the backend's socket (undici's backpressure) until the caller's connection has room again. */
  #room(): boolean {
    const body = this.#body as Writable;
    if (!body.writableNeedDrain) return true;
    body.once('drain', this.#resume as () => void);
    return false;
  }

  #settle(): void {
    this.#settled = true;
    this.#res.off('close', this.#callerClosed);
  }

  readonly #callerClosed = (): void => {
    if (this.#settled || this.#res.writableFinished) return;
    this.#abort?.(callerLeft());
  };
}

function callerLeft(): Error {
  return Object.assign(new Error('the caller closed its connection before the answer was out'), { code: 'UND_ERR_ABORTED' });
}
