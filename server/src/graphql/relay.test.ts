import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from './relay.js';

describe('cursors', () => {
  it('round-trips the keys the server issues', () => {
    for (const key of [0, 42, 9_999_999, 'acct_ABC123', '1767225600000|ub_xYz']) expect(decodeCursor(encodeCursor(key))).toBe(String(key));
  });

  it('refuses anything else with BAD_USER_INPUT', () => {
    const foreign = [
      '',
      'garbage!',
      'x'.repeat(201),
      Buffer.from('42').toString('base64url'), // an untagged key
      Buffer.from('n:-1').toString('base64url'),
      Buffer.from('n:1e9').toString('base64url'),
      Buffer.from("s:' or 1=1").toString('base64url'),
      `${encodeCursor(7)}=`, // another spelling of the same bytes
    ];
    for (const cursor of foreign) {
      let code: unknown;
      try {
        decodeCursor(cursor);
      } catch (err) {
        code = (err as { extensions?: { code?: string } }).extensions?.code;
      }
      expect(code, cursor).toBe('BAD_USER_INPUT');
    }
  });
});
