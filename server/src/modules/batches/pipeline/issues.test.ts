import { describe, expect, it } from 'vitest';
import { normalizeEmail } from './email.js';
import {
  accountNotEligibleIssue,
  claimedEmailReplacedIssue,
  duplicateIssue,
  invalidAccountIdIssue,
  invalidEmailIssue,
  nameMismatchIssue,
  unknownAccountIssue,
} from './issues.js';

describe('duplicateIssue', () => {
  it('names the other rows, sorted, as an ERROR', () => {
    expect(duplicateIssue([9, 5], 'acct_1')).toEqual({
      code: 'DUPLICATE_ACCOUNT',
      severity: 'ERROR',
      message: 'Account acct_1 also appears with an email on rows 5 and 9. Keep one row per account.',
      params: { accountId: 'acct_1', rows: '5,9', more: '0' },
    });
  });

  it('gives the first ten rows and how many more as params', () => {
    const rows = Array.from({ length: 12 }, (_, i) => 20 - i);
    expect(duplicateIssue(rows, undefined, 14).params).toEqual({ accountId: '', rows: '9,10,11,12,13,14,15,16,17,18', more: '4' });
  });

  it('handles one row, no account id and long lists', () => {
    expect(duplicateIssue([7]).message).toBe('This account also appears with an email on row 7. Keep one row per account.');
    const many = duplicateIssue(Array.from({ length: 25 }, (_, i) => 100 + i)).message;
    expect(many).toContain('rows 100, 101, 102, 103, 104, 105, 106, 107, 108, 109 and 15 more.');
    expect(many).not.toContain('110');
    expect(duplicateIssue([3, 3, 2]).message).toContain('rows 2 and 3.');
  });
});

describe('row issue messages', () => {
  it('explains an invalid or blank Account ID', () => {
    expect(invalidAccountIdIssue('acct 1').message).toBe(
      '"acct 1" is not a valid Account ID. An Account ID is acct_ followed by 1 to 64 letters and digits, e.g. acct_1a2B3c.',
    );
    expect(invalidAccountIdIssue('').message).toMatch(/blank/);
  });

  it('says nothing about other platforms for an unknown account', () => {
    const { message, severity } = unknownAccountIssue('acct_9');
    expect(severity).toBe('ERROR');
    expect(message).toBe('No connected account with ID acct_9 was found for your platform. Check the ID against the template.');
  });

  it('explains an ineligible account and an invalid email', () => {
    expect(accountNotEligibleIssue('acct_9').message).toMatch(/closed or was rejected/);
    const check = normalizeEmail('x');
    if (check.ok) throw new Error('"x" was accepted');
    const issue = invalidEmailIssue('x', check.refusal);
    expect(issue.message).toBe('"x" is not a valid email address. The address has no "@".');
    // The client words it from the code in its own language.
    expect(issue.params).toEqual({ value: '"x"', reason: 'The address has no "@".', reasonCode: 'NO_AT' });
    const bad = normalizeEmail('a b@c.de');
    expect(bad.ok === false && invalidEmailIssue('a b@c.de', bad.refusal).params?.reasonCode).toBe('SPACE');
    const char = normalizeEmail('jo(h)n@c.de');
    expect(char.ok === false && char.refusal).toMatchObject({ code: 'LOCAL_BAD_CHARACTER', params: { char: '"("' } });
  });

  it('names each mismatching field with both values, as a WARNING', () => {
    const issue = nameMismatchIssue([
      { field: 'Business Name', inFile: 'Acme', onFile: 'Globex' },
      { field: 'First Name', inFile: 'Jo', onFile: null },
    ]);
    expect(issue.severity).toBe('WARNING');
    expect(issue.message).toBe(
      'Business Name is "Acme" in the file but "Globex" on the account; First Name is "Jo" in the file but blank on the account. ' +
        'Check that this row was not shifted, for example by sorting a single column.',
    );
    // The same values by name, for a client's own wording; a field blank on the account has no OnAccount.
    expect(issue.params).toEqual({
      fields: 'Business Name, First Name',
      mismatches: 'businessName,firstName',
      businessNameInFile: '"Acme"',
      businessNameOnAccount: '"Globex"',
      firstNameInFile: '"Jo"',
    });
  });

  it('flags replacing a claimed email as a WARNING naming both addresses', () => {
    const issue = claimedEmailReplacedIssue('old@x.co', 'new@x.co');
    expect(issue).toMatchObject({ code: 'CLAIMED_EMAIL_REPLACED', severity: 'WARNING' });
    expect(issue.message).toContain('old@x.co');
    expect(issue.message).toContain('new@x.co');
  });
});
