import { describe, expect, it } from 'vitest';
import type { RawRow } from './headers.js';
import { type AccountSnapshot, type RowIssueCode, classifyRow, parseAccountId } from './rules.js';

const account = (over: Partial<AccountSnapshot> = {}): AccountSnapshot => ({
  id: 'acct_123abc',
  businessName: 'Connected Account A',
  firstName: 'John',
  lastName: 'Doe',
  email: null,
  userClaimedEmail: false,
  eligible: true,
  ...over,
});

const row = (over: Partial<RawRow> = {}): RawRow => ({
  accountId: 'acct_123abc',
  businessName: 'Connected Account A',
  firstName: 'John',
  lastName: 'Doe',
  email: 'new@example.com',
  claimed: '✔',
  ...over,
});

const codes = (issues: { code: RowIssueCode }[]): RowIssueCode[] => issues.map((i) => i.code);

describe('parseAccountId', () => {
  it('accepts acct_ followed by 1 to 64 letters and digits, trimmed', () => {
    expect(parseAccountId('acct_1')).toBe('acct_1');
    expect(parseAccountId('  acct_123abcXYZ \t')).toBe('acct_123abcXYZ');
    expect(parseAccountId(`acct_${'a'.repeat(64)}`)).toBe(`acct_${'a'.repeat(64)}`);
  });

  it.each(['', 'acct_', 'acct 1', 'ACCT_1', 'acct_1-2', 'acct_é', `acct_${'a'.repeat(65)}`, 'cus_123', 'xacct_1'])(
    'refuses %j',
    (raw) => expect(parseAccountId(raw)).toBeNull(),
  );
});

describe('classifyRow: changes', () => {
  it('ADD when the account has no email', () => {
    expect(classifyRow(2, row(), account())).toEqual({
      rowNumber: 2,
      accountId: 'acct_123abc',
      newEmail: 'new@example.com',
      currentEmail: null,
      change: 'ADD',
      issues: [],
    });
    expect(classifyRow(2, row(), account({ email: '  ' })).change).toBe('ADD');
  });

  it('REPLACE when the account has a different email', () => {
    const r = classifyRow(3, row(), account({ email: 'old@example.com' }));
    expect(r).toMatchObject({ change: 'REPLACE', currentEmail: 'old@example.com', newEmail: 'new@example.com', issues: [] });
  });

  it('UNCHANGED when the email is the same, domain compared case-insensitively', () => {
    const r = classifyRow(4, row({ email: ' new@EXAMPLE.com ' }), account({ email: 'new@example.com' }));
    expect(r).toMatchObject({ change: 'UNCHANGED', newEmail: 'new@example.com', issues: [] });
    expect(classifyRow(4, row({ email: 'NEW@example.com' }), account({ email: 'new@example.com' })).change).toBe('REPLACE');
  });

  it('normalizes the new email: trimmed, domain lowercased, local part as typed', () => {
    expect(classifyRow(2, row({ email: '  Jane.Doe@Example.COM ' }), account()).newEmail).toBe('Jane.Doe@example.com');
  });
});

describe('classifyRow: blank email', () => {
  it('SKIPPED quietly, whatever the account', () => {
    for (const acc of [account(), account({ eligible: false }), undefined]) {
      const r = classifyRow(5, row({ email: '   ', businessName: 'Other' }), acc);
      expect(r.change).toBe('SKIPPED');
      expect(r.issues).toEqual([]);
      expect(r.newEmail).toBeNull();
    }
  });

  it('SKIPPED when the Account ID is blank too', () => {
    expect(classifyRow(5, row({ accountId: '', email: '' }), undefined)).toMatchObject({
      change: 'SKIPPED',
      accountId: null,
      issues: [],
    });
  });

  it('INVALID when a non-blank Account ID is malformed', () => {
    const r = classifyRow(5, row({ accountId: ' acct 12 ', email: '' }), undefined);
    expect(r).toMatchObject({ change: 'INVALID', accountId: 'acct 12', newEmail: null });
    expect(codes(r.issues)).toEqual(['INVALID_ACCOUNT_ID']);
  });

  it('keeps the current email for display', () => {
    expect(classifyRow(5, row({ email: '' }), account({ email: 'old@x.co' })).currentEmail).toBe('old@x.co');
  });
});

describe('classifyRow: errors', () => {
  it('INVALID_ACCOUNT_ID keeps the typed id, trimmed', () => {
    const r = classifyRow(2, row({ accountId: '  acct-1 ' }), undefined);
    expect(r).toMatchObject({ change: 'INVALID', accountId: 'acct-1', newEmail: 'new@example.com' });
    expect(codes(r.issues)).toEqual(['INVALID_ACCOUNT_ID']);
    expect(r.issues[0].severity).toBe('ERROR');
  });

  it('INVALID_ACCOUNT_ID for a blank id with an email', () => {
    const r = classifyRow(2, row({ accountId: ' ' }), undefined);
    expect(r).toMatchObject({ change: 'INVALID', accountId: null });
    expect(r.issues[0].message).toMatch(/blank/);
  });

  it('UNKNOWN_ACCOUNT without hinting at other platforms', () => {
    const r = classifyRow(2, row(), undefined);
    expect(r).toMatchObject({ change: 'INVALID', currentEmail: null });
    expect(codes(r.issues)).toEqual(['UNKNOWN_ACCOUNT']);
    expect(r.issues[0].message).not.toMatch(/another|other platform|exists/i);
  });

  it('ACCOUNT_NOT_ELIGIBLE for closed or rejected accounts', () => {
    const r = classifyRow(2, row(), account({ eligible: false, email: 'old@x.co' }));
    expect(r).toMatchObject({ change: 'INVALID', currentEmail: 'old@x.co' });
    expect(codes(r.issues)).toEqual(['ACCOUNT_NOT_ELIGIBLE']);
  });

  it('INVALID_EMAIL keeps the trimmed value as typed and gives the reason', () => {
    const r = classifyRow(2, row({ email: ' mailto:a@b.co ' }), account());
    expect(r).toMatchObject({ change: 'INVALID', newEmail: 'mailto:a@b.co' });
    expect(codes(r.issues)).toEqual(['INVALID_EMAIL']);
    expect(r.issues[0].message).toContain('mailto:');
  });

  it('reports every error of a row', () => {
    expect(codes(classifyRow(2, row({ email: 'nope' }), undefined).issues)).toEqual(['UNKNOWN_ACCOUNT', 'INVALID_EMAIL']);
    expect(codes(classifyRow(2, row({ accountId: 'x', email: 'nope' }), undefined).issues)).toEqual([
      'INVALID_ACCOUNT_ID',
      'INVALID_EMAIL',
    ]);
  });
});

describe('classifyRow: warnings', () => {
  it('NAME_MISMATCH ignores case and surrounding spaces', () => {
    const r = classifyRow(2, row({ businessName: '  connected ACCOUNT a ', firstName: 'JOHN', lastName: 'doe ' }), account());
    expect(r.issues).toEqual([]);
  });

  it('NAME_MISMATCH ignores blank cells and columns absent from the file', () => {
    const r = classifyRow(2, row({ businessName: ' ', firstName: undefined, lastName: '' }), account());
    expect(r.issues).toEqual([]);
  });

  it('NAME_MISMATCH names the fields and both values, null on file included', () => {
    const r = classifyRow(2, row({ businessName: 'Globex', firstName: 'John' }), account({ lastName: null }));
    expect(r.change).toBe('ADD');
    expect(codes(r.issues)).toEqual(['NAME_MISMATCH']);
    expect(r.issues[0].severity).toBe('WARNING');
    expect(r.issues[0].message).toContain('Business Name is "Globex" in the file but "Connected Account A" on the account');
    expect(r.issues[0].message).toContain('Last Name is "Doe" in the file but blank on the account');
    expect(r.issues[0].message).not.toContain('First Name');
  });

  it('NAME_MISMATCH compares Unicode names in any normalization form', () => {
    const r = classifyRow(2, row({ businessName: 'Cafe\u0301' }), account({ businessName: 'Caf\u00e9' }));
    expect(r.issues).toEqual([]);
  });

  it('NAME_MISMATCH also on INVALID and UNCHANGED rows of a known account, never on SKIPPED rows', () => {
    const shifted = { businessName: 'Globex' };
    expect(codes(classifyRow(2, row({ ...shifted, email: 'bad' }), account()).issues)).toEqual(['INVALID_EMAIL', 'NAME_MISMATCH']);
    expect(codes(classifyRow(2, row(shifted), account({ eligible: false })).issues)).toEqual([
      'ACCOUNT_NOT_ELIGIBLE',
      'NAME_MISMATCH',
    ]);
    expect(codes(classifyRow(2, row(shifted), account({ email: 'new@example.com' })).issues)).toEqual(['NAME_MISMATCH']);
    expect(classifyRow(2, row({ ...shifted, email: '' }), account()).issues).toEqual([]);
    expect(codes(classifyRow(2, row(shifted), undefined).issues)).toEqual(['UNKNOWN_ACCOUNT']);
  });

  it('CLAIMED_EMAIL_REPLACED only on a REPLACE of a claimed email', () => {
    const claimed = account({ email: 'old@example.com', userClaimedEmail: true });
    const r = classifyRow(2, row(), claimed);
    expect(r.change).toBe('REPLACE');
    expect(codes(r.issues)).toEqual(['CLAIMED_EMAIL_REPLACED']);
    expect(r.issues[0].severity).toBe('WARNING');
    expect(classifyRow(2, row({ email: 'old@EXAMPLE.com' }), claimed).issues).toEqual([]);
    expect(classifyRow(2, row(), account({ userClaimedEmail: true })).issues).toEqual([]);
    expect(codes(classifyRow(2, row({ email: 'bad' }), claimed).issues)).toEqual(['INVALID_EMAIL']);
  });
});

describe('classifyRow: exported formula guards', () => {
  it('reads cells through unneutralizeCell so a re-uploaded export matches', () => {
    const acc = account({ businessName: '=Acme', firstName: '-Jo', email: '+old@example.com' });
    const r = classifyRow(2, row({ businessName: "'=Acme", firstName: "'-Jo", email: "'+old@example.com" }), acc);
    expect(r).toMatchObject({ change: 'UNCHANGED', newEmail: '+old@example.com', issues: [] });
  });
});
