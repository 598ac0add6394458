import { describe, expect, it } from 'vitest';
import { createI18n } from '../i18n/create-i18n';
import { issueMessage, type RowIssue } from './issue-message';

const en = createI18n('en');
const fr = createI18n('fr');

/** A row issue as the API returns it: code, severity, the server's English message and the params. */
function issue(code: RowIssue['code'], message: string, params: Record<string, string>): RowIssue {
  return { code, severity: 'ERROR', message, suggestion: null, params: Object.entries(params).map(([name, value]) => ({ name, value })) } as RowIssue;
}

describe('issueMessage', () => {
  it('words an invalid email’s reason from its code, in English and in French', () => {
    const noAt = issue('INVALID_EMAIL', '"x" is not a valid email address. The address has no "@".', {
      value: '"x"',
      reason: 'The address has no "@".',
      reasonCode: 'NO_AT',
    });
    expect(issueMessage(noAt, en)).toBe('"x" is not a valid email address. The address has no "@".');
    expect(issueMessage(noAt, fr)).toBe('"x" n’est pas une adresse e-mail valide. L’adresse n’a pas de « @ ».');

    const badChar = issue('INVALID_EMAIL', '', { value: '"jo(h)n@c.de"', reason: '…', reasonCode: 'LOCAL_BAD_CHARACTER', char: '"("' });
    expect(issueMessage(badChar, fr)).toBe(
      '"jo(h)n@c.de" n’est pas une adresse e-mail valide. La partie avant le « @ » contient un caractère non autorisé : "(".',
    );
    const tooLong = issue('INVALID_EMAIL', '', { value: '"…"', reason: '…', reasonCode: 'TOO_LONG', max: '254' });
    expect(issueMessage(tooLong, fr)).toContain('L’adresse dépasse 254 caractères.');
  });

  it('never shows a French reader the server’s English reason (issues stored before reasons had codes)', () => {
    const old = issue('INVALID_EMAIL', '"x" is not a valid email address. The address has no "@".', { value: '"x"', reason: 'The address has no "@".' });
    expect(issueMessage(old, en)).toBe('"x" is not a valid email address. The address has no "@".');
    expect(issueMessage(old, fr)).toBe('"x" n’est pas une adresse e-mail valide.');
  });

  it('names each mismatching name field with both values', () => {
    const mismatch = issue('NAME_MISMATCH', '…', {
      fields: 'Business Name, First Name',
      mismatches: 'businessName,firstName',
      businessNameInFile: '"Acme"',
      businessNameOnAccount: '"Globex"',
      firstNameInFile: '"Jo"',
    });
    expect(issueMessage(mismatch, en)).toBe(
      'Business Name is "Acme" in the file but "Globex" on the account; First Name is "Jo" in the file but blank on the account. ' +
        'Check that this row was not shifted, for example by sorting a single column.',
    );
    expect(issueMessage(mismatch, fr)).toBe(
      'Raison sociale vaut "Acme" dans le fichier mais "Globex" sur le compte ; Prénom vaut "Jo" dans le fichier mais est vide sur le compte. ' +
        'Vérifiez que cette ligne n’a pas été décalée, par exemple en triant une seule colonne.',
    );
    // Stored before the values were params: the field names only.
    const old = issue('NAME_MISMATCH', '…', { fields: 'Business Name' });
    expect(issueMessage(old, fr)).toMatch(/^Business Name : le fichier diffère du compte/);
  });
});
