import { describe, expect, it } from 'vitest';
import { ConfigError, env, loadConfig, required } from '../src/config.js';

const problemsOf = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
};

describe('loadConfig over a declared schema', () => {
  const spec = {
    schema: env.schemaName('DATABASE_SCHEMA', 'posts'),
    prefix: env.matching('REDIS_PREFIX', 'herald:', /^[a-z:]{1,8}$/, 'a short prefix'),
    url: required('DATABASE_URL', env.optionalUrl('DATABASE_URL', ['postgres']), 'a postgres URL'),
    port: env.port('PORT', 3000),
  };

  it('applies the defaults and reads what is set', () => {
    expect(loadConfig(spec, { DATABASE_URL: 'postgres://db/x' })).toEqual({ schema: 'posts', prefix: 'herald:', url: 'postgres://db/x', port: 3000 });
    expect(loadConfig(spec, { DATABASE_URL: 'postgres://db/x', DATABASE_SCHEMA: 'posts_b', REDIS_PREFIX: 'ci:' })).toMatchObject({ schema: 'posts_b', prefix: 'ci:' });
  });

  it('names every bad or missing variable at once', () => {
    const problems = problemsOf(() => loadConfig(spec, { DATABASE_SCHEMA: 'Posts; DROP', REDIS_PREFIX: 'NOPE', PORT: '70000' }));
    expect(problems).toEqual([
      'DATABASE_SCHEMA="Posts; DROP" is not a lowercase identifier ([a-z_][a-z0-9_]*)',
      'REDIS_PREFIX="NOPE" is not a short prefix',
      'DATABASE_URL is required (a postgres URL)',
      'PORT="70000" is not a port number (0-65535)',
    ]);
  });
});
