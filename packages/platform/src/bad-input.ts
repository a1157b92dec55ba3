import { AssertionError } from 'node:assert';

/**
 * The one runner of every service's bad-input table (`test/http/bad-input.test.ts` in each): a
 * malformed request must get its exact status and Herald's error shape, `{error: {code, message,
 * details?}}`, naming the field it refuses. Each service keeps its own table and says how a case's
 * `auth` becomes headers; sending it and judging the answer is the same everywhere, here.
 * Plain node:assert, so the runner carries no test framework into the package.
 */
export interface BadInputCase<Auth extends string = string> {
  name: string;
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string | (() => string);
  /** A JSON body. */
  payload?: unknown;
  /** A body sent exactly as written, as application/json (malformed JSON, lone surrogates...). */
  raw?: string;
  headers?: Record<string, string> | (() => Record<string, string>);
  /** Which credentials the case carries; the service's table maps it to headers. */
  auth?: Auth;
  status: number;
  code: string | RegExp;
  /** The field the error must name, in `details.field` and in its message. */
  field?: string;
}

/** What a fastify app's inject() is to the runner. */
export interface Injectable {
  inject(request: { method: string; url: string; headers: Record<string, string>; payload?: string | object }): Promise<InjectedReply>;
}

export interface InjectedReply {
  statusCode: number;
  body: string;
  headers?: Record<string, unknown>;
}

export interface BadInputOptions {
  /** Headers for the case's `auth` (merged under the case's own headers). */
  authHeaders?: Record<string, string>;
  /** Whether the message must contain the field's name as well as `details.field` (default true). */
  messageNamesField?: boolean;
}

/**
 * Sends one case through `app.inject` and throws an AssertionError describing any difference; gives
 * back the reply for a table's own further checks.
 */
export async function expectBadInput(app: Injectable, c: BadInputCase, opts: BadInputOptions = {}): Promise<InjectedReply> {
  const headers: Record<string, string> = { ...opts.authHeaders, ...(typeof c.headers === 'function' ? c.headers() : c.headers) };
  if (c.raw !== undefined) headers['content-type'] ??= 'application/json';
  const res = await app.inject({
    method: c.method ?? 'GET',
    url: typeof c.url === 'function' ? c.url() : c.url,
    headers,
    ...(c.raw !== undefined ? { payload: c.raw } : c.payload !== undefined ? { payload: c.payload as object } : {}),
  });
  checkErrorReply({ status: res.statusCode, body: res.body }, c, opts);
  return res;
}

/** Judges an answer already received (a real socket, fetch) against a case. */
export function checkErrorReply(reply: { status: number; body: string }, c: Pick<BadInputCase, 'name' | 'status' | 'code' | 'field'>, opts: Pick<BadInputOptions, 'messageNamesField'> = {}): void {
  const fail = (what: string, actual?: unknown, expected?: unknown): never => {
    throw new AssertionError({ message: `${c.name}: ${what}\n  answer: ${reply.status} ${reply.body.slice(0, 500)}`, actual, expected, operator: 'badInput' });
  };
  if (reply.status !== c.status) fail(`status ${reply.status}, expected ${c.status}`, reply.status, c.status);
  let body: unknown;
  try {
    body = JSON.parse(reply.body);
  } catch {
    fail('the body is not JSON');
  }
  const error = (body as { error?: unknown } | null)?.error as Record<string, unknown> | undefined;
  if (!error || typeof error !== 'object' || Object.keys(body as object).length !== 1) fail('the body is not {error: {...}} alone');
  const keys = Object.keys(error!).filter((k) => k !== 'code' && k !== 'message' && k !== 'details');
  if (keys.length > 0) fail(`the error has unexpected keys: ${keys.join(', ')}`);
  if (typeof error!.message !== 'string' || error!.message === '') fail('the error has no message');
  const code = error!.code;
  const codeOk = typeof code === 'string' && (typeof c.code === 'string' ? code === c.code : c.code.test(code));
  if (!codeOk) fail(`code ${JSON.stringify(code)}, expected ${String(c.code)}`, code, c.code);
  if (c.field === undefined) return;
  const details = error!.details as { field?: unknown } | undefined;
  if (details?.field !== c.field) fail(`details.field ${JSON.stringify(details?.field)}, expected ${JSON.stringify(c.field)}`, details?.field, c.field);
  if ((opts.messageNamesField ?? true) && !(error!.message as string).includes(c.field)) fail(`the message does not name ${c.field}: ${JSON.stringify(error!.message)}`);
}
