import { describe, expect, it } from 'vitest';
import { MIN_PASSWORD_LENGTH, passwordProblem } from './password-policy.js';

describe('passwordProblem', () => {
  it('asks for the minimum length, counted in characters (not bytes)', () => {
    expect(passwordProblem('x'.repeat(MIN_PASSWORD_LENGTH - 1))?.code).toBe('TOO_SHORT');
    expect(passwordProblem('é'.repeat(MIN_PASSWORD_LENGTH))).toBeNull();
    expect(passwordProblem('x'.repeat(257))?.code).toBe('TOO_LONG');
  });

  it('refuses common passwords whatever their case', () => {
    for (const p of ['qwerty123456', 'QWERTY123456', '1q2w3e4r5t6y', 'qazwsxedcrfv']) expect(passwordProblem(p)?.code).toBe('COMMON');
  });

  it('refuses a password containing the local part of the email', () => {
    expect(passwordProblem('my name is jeanne dupont', 'Jeanne@x.example')?.code).toBe('CONTAINS_EMAIL');
    // Too short a local part to mean anything.
    expect(passwordProblem('a perfectly fine sentence', 'al@x.example')).toBeNull();
  });

  it('accepts a long unusual passphrase', () => {
    expect(passwordProblem('correct horse battery staple 42')).toBeNull();
  });
});
