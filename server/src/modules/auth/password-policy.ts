import { dictionary } from '@zxcvbn-ts/language-common';

/** Length rule (NIST SP 800-63B asks for at least 8; a dashboard that rewrites payout emails asks more). */
export const MIN_PASSWORD_LENGTH = 12;
/** argon2 hashes any length, but a megabyte "password" is an attack on CPU, not a password. */
export const MAX_PASSWORD_LENGTH = 256;

/** Why a password is refused, declared once; the dashboard translates each. */
export const PASSWORD_PROBLEMS = ['TOO_SHORT', 'TOO_LONG', 'COMMON', 'CONTAINS_EMAIL'] as const;
export type PasswordProblem = (typeof PASSWORD_PROBLEMS)[number];

// zxcvbn-ts's list of the most common leaked passwords (~49,000), lowercased once.
let common: Set<string> | undefined;
function commonPasswords(): Set<string> {
  common ??= new Set(dictionary['passwords-common'].map((p) => p.toLowerCase()));
  return common;
}

const MESSAGES: Record<PasswordProblem, string> = {
  TOO_SHORT: `Use at least ${MIN_PASSWORD_LENGTH} characters.`,
  TOO_LONG: `Use at most ${MAX_PASSWORD_LENGTH} characters.`,
  COMMON: 'This password is on a list of commonly used passwords. Choose another.',
  CONTAINS_EMAIL: 'The password must not contain your email address.',
};

/** The first problem of a new password, or null when it is acceptable. */
export function passwordProblem(password: string, email?: string): { code: PasswordProblem; message: string } | null {
  const length = [...password].length;
  const problem: PasswordProblem | null =
    length < MIN_PASSWORD_LENGTH
      ? 'TOO_SHORT'
      : length > MAX_PASSWORD_LENGTH
        ? 'TOO_LONG'
        : commonPasswords().has(password.toLowerCase())
          ? 'COMMON'
          : email && password.toLowerCase().includes(email.toLowerCase().split('@')[0]) && email.split('@')[0].length >= 4
            ? 'CONTAINS_EMAIL'
            : null;
  return problem ? { code: problem, message: MESSAGES[problem] } : null;
}
