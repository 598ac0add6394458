import { describe, expect, it } from 'vitest';
import { isDisposableDomain, isRoleLocalPart } from './email-quality.js';
import { emailQualityIssues } from './email-warnings.js';

describe('isDisposableDomain (mailchecker list)', () => {
  it('knows the throwaway services and their subdomains', () => {
    for (const d of ['mailinator.com', 'yopmail.com', 'guerrillamail.com', '10minutemail.com', 'x.mailinator.com', 'YOPMAIL.COM']) {
      expect(isDisposableDomain(d), d).toBe(true);
    }
  });

  it('leaves real providers and company domains alone', () => {
    for (const d of ['gmail.com', 'orange.fr', 'hey.com', 'proton.me', 'free.fr', 'acme.com', 'müller.de']) {
      expect(isDisposableDomain(d), d).toBe(false);
    }
  });
});

describe('isRoleLocalPart', () => {
  it('recognises role addresses in English and French, whatever the separators, case or +tag', () => {
    for (const l of ['noreply', 'no-reply', 'No_Reply', 'do-not-reply', 'ne-pas-repondre', 'info', 'admin', 'support', 'contact', 'compta', 'facturation', 'support+billing']) {
      expect(isRoleLocalPart(l), l).toBe(true);
    }
  });

  it('leaves personal local parts alone', () => {
    for (const l of ['jean.dupont', 'john', 'infosec.jane', 'adminton', 'marie-claire', 'j.doe+shop']) {
      expect(isRoleLocalPart(l), l).toBe(false);
    }
  });
});

describe('emailQualityIssues', () => {
  it('says nothing of an ordinary address', () => {
    expect(emailQualityIssues('jean.dupont@gmail.com')).toEqual([]);
  });

  it('reports a typo with the whole corrected address, and not also as disposable', () => {
    const issues = emailQualityIssues('jean@gmial.com');
    expect(issues).toEqual([
      {
        code: 'EMAIL_DOMAIN_TYPO',
        severity: 'WARNING',
        message: 'jean@gmial.com looks like a misspelling of gmail.com. Did you mean jean@gmail.com?',
        suggestion: 'jean@gmail.com',
        params: { email: 'jean@gmial.com', domain: 'gmail.com', suggestion: 'jean@gmail.com' },
      },
    ]);
  });

  it('reports a throwaway domain and a role address, together when both', () => {
    expect(emailQualityIssues('x@yopmail.com').map((i) => i.code)).toEqual(['DISPOSABLE_EMAIL']);
    expect(emailQualityIssues('noreply@acme.com').map((i) => i.code)).toEqual(['ROLE_EMAIL']);
    expect(emailQualityIssues('info@mailinator.com').map((i) => i.code)).toEqual(['DISPOSABLE_EMAIL', 'ROLE_EMAIL']);
    expect(emailQualityIssues('noreply@hotmial.fr').map((i) => [i.code, i.suggestion])).toEqual([
      ['EMAIL_DOMAIN_TYPO', 'noreply@hotmail.fr'],
      ['ROLE_EMAIL', undefined],
    ]);
    for (const i of emailQualityIssues('info@mailinator.com')) expect(i.severity).toBe('WARNING');
  });
});
