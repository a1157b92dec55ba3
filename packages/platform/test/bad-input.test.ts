import { describe, expect, it } from 'vitest';
import { checkErrorReply, expectBadInput, type Injectable } from '../src/testing.js';

const answer = (status: number, body: unknown): Injectable => ({
  inject: async () => ({ statusCode: status, body: typeof body === 'string' ? body : JSON.stringify(body) }),
});
const refusal = { error: { code: 'invalid_request', message: 'text must not be empty', details: { field: 'text' } } };
const c = { name: 'empty text', url: '/x', method: 'POST' as const, payload: { text: '' }, status: 400, code: 'invalid_request', field: 'text' };

describe('the shared bad-input runner', () => {
  it('passes an answer with the status, the error shape, the code and the field', async () => {
    await expect(expectBadInput(answer(400, refusal), c)).resolves.toMatchObject({ statusCode: 400 });
    await expect(expectBadInput(answer(400, refusal), { ...c, code: /^invalid_/ })).resolves.toMatchObject({ statusCode: 400 });
  });

  it.each([
    ['another status', answer(500, refusal), /status 500, expected 400/],
    ['a body that is not JSON', answer(400, 'oops'), /not JSON/],
    ['keys beside error', answer(400, { ...refusal, stack: 'x' }), /\{error: \{\.\.\.\}\} alone/],
    ['unexpected keys in the error', answer(400, { error: { ...refusal.error, stack: 'at x' } }), /unexpected keys: stack/],
    ['no message', answer(400, { error: { code: 'invalid_request', details: { field: 'text' } } }), /no message/],
    ['another code', answer(400, { error: { ...refusal.error, code: 'internal' } }), /code "internal"/],
    ['another field', answer(400, { error: { ...refusal.error, details: { field: 'body' } } }), /details.field "body"/],
    ['a message that does not name the field', answer(400, { error: { ...refusal.error, message: 'bad' } }), /does not name text/],
  ])('fails on %s', async (_what, app, message) => {
    await expect(expectBadInput(app, c)).rejects.toThrow(message);
  });

  it('sends the case as written: method, url, auth headers under its own, raw bodies as JSON', async () => {
    const seen: unknown[] = [];
    const app: Injectable = { inject: async (request) => (seen.push(request), { statusCode: 400, body: JSON.stringify(refusal) }) };
    await expectBadInput(app, { ...c, payload: undefined, raw: '{"text":', url: () => '/y', headers: { 'x-extra': '1' } }, { authHeaders: { authorization: 'Bearer t', 'x-extra': '0' } });
    expect(seen).toEqual([{ method: 'POST', url: '/y', headers: { authorization: 'Bearer t', 'x-extra': '1', 'content-type': 'application/json' }, payload: '{"text":' }]);
  });

  it('judges an answer from a real socket the same way', () => {
    expect(() => checkErrorReply({ status: 400, body: JSON.stringify(refusal) }, c)).not.toThrow();
    expect(() => checkErrorReply({ status: 400, body: JSON.stringify({ error: { ...refusal.error, message: 'bad' } }) }, c, { messageNamesField: false })).not.toThrow();
  });
});
