/**
 * A handler's way to answer with a status other than 200, or with extra
 * headers. A plain return value is always a 200 JSON answer.
 */

export class Reply {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Readonly<Record<string, string>>,
  ) {}
}

/**
 * Builds an answer with an explicit status. A `body` of `undefined` sends no body.
 *
 * @example
 * handler: async ({ body }) => reply(201, { id: save(body) }, { location: '/items/1' })
 */
export function reply(status: number, body?: unknown, headers: Record<string, string> = {}): Reply {
  if (!Number.isInteger(status) || status < 200 || status > 599) {
    throw new RangeError(`reply: status must be an integer from 200 to 599, got ${status}`);
  }
  return new Reply(status, body, headers);
}
