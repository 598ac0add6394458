import { missingHeadersRejection } from './errors.js';

/** The header row of the downloadable template, in order. */
export const TEMPLATE_HEADERS = [
  'Account ID',
  'Business Name',
  'First Name',
  'Last Name',
  'Email Address (please add or replace)',
  'User has claimed primary user email address',
] as const;

/** Headers a file must have; the others only inform (name checks) and may be absent. */
export const REQUIRED_HEADERS: readonly string[] = [TEMPLATE_HEADERS[0], TEMPLATE_HEADERS[4]];

/** Zero-based cell index of each known column in a file. */
export interface ColumnMap {
  accountId: number;
  email: number;
  businessName?: number;
  firstName?: number;
  lastName?: number;
  claimed?: number;
}

/** The cells of one data row that validation reads, untrimmed. */
export interface RawRow {
  accountId: string;
  email: string;
  businessName?: string;
  firstName?: string;
  lastName?: string;
  claimed?: string;
}

const KEYS: readonly (keyof ColumnMap)[] = ['accountId', 'businessName', 'firstName', 'lastName', 'email', 'claimed'];

/** Header as shown back to the user: no BOM, no surrounding spaces. */
function cleanHeader(h: string): string {
  return h.replace(/\uFEFF/g, '').trim();
}

function headerKey(h: string): string {
  return cleanHeader(h).toLowerCase();
}

/**
 * Finds the known columns in a header row. Matching ignores a BOM, surrounding spaces and letter
 * case; order and extra columns do not matter. When a header appears twice, the first (leftmost)
 * occurrence wins, as a reader scanning the sheet from the left would expect.
 * @throws FileRejection MISSING_REQUIRED_HEADERS naming the missing headers and the headers found
 */
export function mapHeaders(found: string[]): ColumnMap {
  const wanted = new Map<string, keyof ColumnMap>(TEMPLATE_HEADERS.map((h, i) => [h.toLowerCase(), KEYS[i]]));
  const positions: Partial<Record<keyof ColumnMap, number>> = {};
  found.forEach((h, index) => {
    const key = wanted.get(headerKey(h));
    if (key !== undefined && positions[key] === undefined) positions[key] = index;
  });
  const { accountId, email, ...optional } = positions;
  if (accountId === undefined || email === undefined) {
    const missing: string[] = [];
    if (accountId === undefined) missing.push(TEMPLATE_HEADERS[0]);
    if (email === undefined) missing.push(TEMPLATE_HEADERS[4]);
    throw missingHeadersRejection(missing, found.map(cleanHeader));
  }
  return { accountId, email, ...optional };
}

/**
 * Picks the known cells of a data row. A required cell missing from a short row reads as `''`;
 * an optional column absent from the file reads as `undefined`, present but cut short as `''`.
 */
export function readRow(cells: string[], map: ColumnMap): RawRow {
  // Runs once per data row: plain expressions, no closures.
  const { businessName, firstName, lastName, claimed } = map;
  return {
    accountId: cells[map.accountId] ?? '',
    email: cells[map.email] ?? '',
    businessName: businessName === undefined ? undefined : (cells[businessName] ?? ''),
    firstName: firstName === undefined ? undefined : (cells[firstName] ?? ''),
    lastName: lastName === undefined ? undefined : (cells[lastName] ?? ''),
    claimed: claimed === undefined ? undefined : (cells[claimed] ?? ''),
  };
}
