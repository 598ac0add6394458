import { describe, expect, it } from 'vitest';
import { EnvError, parseEnv } from './env.js';

describe('parseEnv', () => {
  it('has the documented defaults', () => {
    const env = parseEnv({});
    expect(env.PORT).toBe(4000);
    expect(env.DATABASE_URL).toBe('sqlite:./data/comms.db');
    expect(env.database).toEqual({ dialect: 'sqlite', file: './data/comms.db' });
    expect(env.MAX_UPLOAD_ROWS).toBe(500_000);
    expect(env.REDIS_URL).toBeUndefined();
    expect(env.PUBLIC_URL).toBeUndefined();
  });

  it('selects PostgreSQL from a postgres:// URL', () => {
    expect(parseEnv({ DATABASE_URL: 'postgres://u@h:5432/db' }).database).toEqual({
      dialect: 'postgresql',
      url: 'postgres://u@h:5432/db',
    });
  });

  it('refuses malformed values, naming every bad variable', () => {
    const bad = () =>
      parseEnv({ PORT: 'eighty', DATABASE_URL: 'mysql://x', MAX_UPLOAD_ROWS: '-1', PUBLIC_URL: 'not a url', REDIS_URL: 'http://x' });
    expect(bad).toThrow(EnvError);
    try {
      bad();
    } catch (err) {
      const message = (err as Error).message;
      for (const name of ['PORT', 'DATABASE_URL', 'MAX_UPLOAD_ROWS', 'PUBLIC_URL', 'REDIS_URL']) expect(message).toContain(name);
    }
  });

  it('treats an empty variable as unset', () => {
    expect(parseEnv({ PORT: '', REDIS_URL: '' }).PORT).toBe(4000);
  });
});
