import { describe, expect, it } from 'vitest';
import type { RawRow } from './headers.js';
import { type AccountSnapshot, classifyRow } from './rules.js';

const account = (over: Partial<AccountSnapshot> = {}): AccountSnapshot => ({
  id: 'acct_1',
  businessName: null,
  firstName: null,
  lastName: null,
  email: null,
  userClaimedEmail: false,
  eligible: true,
  ...over,
});
const row = (email: string): RawRow => ({ accountId: 'acct_1', email });
const codes = (email: string, a: AccountSnapshot | undefined) => classifyRow(2, row(email), a).issues.map((i) => i.code);

describe('classifyRow: email quality warnings', () => {
  it('warns on ADD and REPLACE rows, which stay ADD and REPLACE (a warning never changes the email)', () => {
    const add = classifyRow(2, row('jean@gmial.com'), account());
    expect(add.change).toBe('ADD');
    expect(add.newEmail).toBe('jean@gmial.com');
    expect(add.issues).toEqual([expect.objectContaining({ code: 'EMAIL_DOMAIN_TYPO', severity: 'WARNING', suggestion: 'jean@gmail.com' })]);
    const replace = classifyRow(2, row('noreply@acme.com'), account({ email: 'old@acme.com' }));
    expect(replace.change).toBe('REPLACE');
    expect(replace.issues.map((i) => i.code)).toEqual(['ROLE_EMAIL']);
    expect(codes('x@yopmail.com', account())).toEqual(['DISPOSABLE_EMAIL']);
  });

  it('says nothing of an UNCHANGED row: the account already has that address', () => {
    expect(codes('info@acme.com', account({ email: 'info@acme.com' }))).toEqual([]);
  });

  it('says nothing on INVALID and SKIPPED rows', () => {
    expect(codes('info@gmial.com', undefined)).toEqual(['UNKNOWN_ACCOUNT']);
    expect(codes('', account())).toEqual([]);
  });

  it('keeps warnings after the others: CLAIMED_EMAIL_REPLACED first', () => {
    expect(codes('support@hotnail.com', account({ email: 'old@x.com', userClaimedEmail: true }))).toEqual([
      'CLAIMED_EMAIL_REPLACED',
      'EMAIL_DOMAIN_TYPO',
      'ROLE_EMAIL',
    ]);
  });
});
