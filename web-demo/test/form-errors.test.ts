import { describe, expect, it } from 'vitest';
import { placeErrors } from '../public/lib/form-errors.js';

describe('placeErrors', () => {
  it('places the field named by details.field (the platform’s validation shape)', () => {
    const r = placeErrors({ code: 'invalid_request', message: 'password must be longer', details: { field: 'password', location: 'body' } }, ['username', 'email', 'password']);
    expect([...r.fields]).toEqual([['password', 'password must be longer']]);
    expect(r.general).toBeNull();
  });

  it('places a conflict on the field its code names when details say nothing', () => {
    const r = placeErrors({ code: 'username_taken', message: 'that username is already taken' }, ['username', 'email', 'password']);
    expect(r.fields.get('username')).toBe('that username is already taken');
  });

  it('maps a dotted path to the closest slot and remembers the full path', () => {
    const fields = ['channels', 'frequency', 'quietHours.start', 'quietHours.end', 'quietHours', 'timezone', 'types'];
    const a = placeErrors({ code: 'invalid_request', message: 'bad', details: { field: 'quietHours.start' } }, fields);
    expect([...a.fields.keys()]).toEqual(['quietHours.start']);
    const b = placeErrors({ code: 'invalid_request', message: 'bad', details: { field: 'types.like.frequency' } }, fields);
    expect([...b.fields.keys()]).toEqual(['types']);
    expect(b.paths.get('types')).toBe('types.like.frequency');
  });

  it('reads JSON-schema style arrays (instancePath, missingProperty)', () => {
    const r = placeErrors(
      { code: 'invalid_request', message: 'bad', details: [{ instancePath: '/email', message: 'must match format' }, { instancePath: '', params: { missingProperty: 'username' }, message: 'required' }] },
      ['username', 'email'],
    );
    expect(r.fields.get('email')).toBe('must match format');
    expect(r.fields.get('username')).toBe('required');
  });

  it('shows a failure about no one field (wrong login or password) as the form’s general message', () => {
    const r = placeErrors({ code: 'invalid_credentials', message: 'login or password is incorrect' }, ['login', 'password']);
    expect(r.fields.size).toBe(0);
    expect(r.general).toBe('login or password is incorrect');
  });

  it('ignores a field the form does not have', () => {
    const r = placeErrors({ code: 'invalid_request', message: 'toUserId is invalid', details: { field: 'toUserId' } }, ['text']);
    expect(r.fields.size).toBe(0);
    expect(r.general).toBe('toUserId is invalid');
  });
});
