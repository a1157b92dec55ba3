import { describe, expect, it } from 'vitest';
import {
  parseDisplayName,
  parseEmail,
  parseLocale,
  parsePassword,
  parsePhone,
  parseTimezone,
  parseUsername,
  usernameKey,
} from '../../src/domain/rules.js';
import { InvalidFieldError } from '../../src/domain/errors.js';

function rejects(fn: () => unknown, field: string) {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidFieldError);
    expect((err as InvalidFieldError).details).toEqual({ field });
    return;
  }
  throw new Error(`expected ${field} to be rejected`);
}

describe('account field rules', () => {
  it('accepts usernames of 3-32 letters, digits and underscores, keeping their case', () => {
    expect(parseUsername('Ana_99')).toBe('Ana_99');
    expect(parseUsername('x'.repeat(32))).toHaveLength(32);
    expect(usernameKey('Ana_99')).toBe('ana_99');
    for (const bad of ['ab', 'x'.repeat(33), 'ana maria', 'ana-maria', 'anä', 'ana%', "ana'--", '']) rejects(() => parseUsername(bad), 'username');
  });

  it('accepts plausible emails up to 254 characters', () => {
    expect(parseEmail(' Ana@Example.com ')).toBe('Ana@Example.com');
    rejects(() => parseEmail('ana@example'), 'email');
    rejects(() => parseEmail('ana example.com'), 'email');
    rejects(() => parseEmail(`${'a'.repeat(250)}@ex.com`), 'email');
  });

  it('wants passwords of 8-128 characters, counted as characters not bytes', () => {
    expect(parsePassword('tram 4 ok')).toBe('tram 4 ok');
    expect(parsePassword('🔒'.repeat(128))).toBeTruthy();
    rejects(() => parsePassword('1234567'), 'password');
    rejects(() => parsePassword('x'.repeat(129)), 'password');
  });

  it('trims display names and refuses empty ones, long ones and control characters', () => {
    expect(parseDisplayName('  Ana María  ')).toBe('Ana María');
    rejects(() => parseDisplayName('   '), 'displayName');
    rejects(() => parseDisplayName('x'.repeat(101)), 'displayName');
    rejects(() => parseDisplayName('evil\u202Egnp.exe'), 'displayName');
    rejects(() => parseDisplayName('line\nbreak'), 'displayName');
  });

  it('accepts only valid numbers written in E.164, trimmed', () => {
    expect(parsePhone('+14155550123')).toBe('+14155550123');
    expect(parsePhone(' +351912345678 ')).toBe('+351912345678');
    expect(parsePhone('+442079460958')).toBe('+442079460958');
    const bad = [
      '4155550123', '+0123456789', '+12', '+1234567890123456', 'call me', '',
      // not written in E.164: separators, national prefix, extension, full-width digits
      '+1 (415) 555-0123', '+1-415-555-0123', '+44 (0)20 7946 0958', '+14155550123 ext. 5', '+１４１５５５５０１２３', '0014155550123',
      // E.164-shaped but no such number: an unassigned US area code, too short for its country
      '+15555550100', '+1415555012',
    ];
    for (const value of bad) rejects(() => parsePhone(value), 'phone');
  });

  it('canonicalises language tags', () => {
    expect(parseLocale('en')).toBe('en');
    expect(parseLocale('pt-br')).toBe('pt-BR');
    for (const bad of ['e', 'english!', 'en_US', 'x'.repeat(40)]) rejects(() => parseLocale(bad), 'locale');
  });

  it('accepts only time zones Intl knows, fixing their case', () => {
    expect(parseTimezone('UTC')).toBe('UTC');
    expect(parseTimezone('europe/paris')).toBe('Europe/Paris');
    expect(parseTimezone('America/Argentina/Buenos_Aires')).toBe('America/Argentina/Buenos_Aires');
    for (const bad of ['Mars/Olympus', '+05:00', 'Europe/Paris; DROP TABLE users', '', 'x'.repeat(70)]) rejects(() => parseTimezone(bad), 'timezone');
  });
});
