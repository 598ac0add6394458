import { badInput, conflict, notFound } from '../../graphql/errors.js';
import type { Principal } from '../auth/principal.js';
import type { Services } from '../../services.js';
import { lookupAccounts } from './validation/classify-chunk.js';
import { issueBit } from './batch-row.codes.js';
import { UploadBatchStatus } from './lifecycle/batch-status.js';
import { rowFromRecord } from './batch.mapper.js';
import { findBatch, publishBatch } from './batch.service.js';
import { countRowEdit, holdBatch } from './store/batch.store.js';
import { syncSearchRows } from './search/search-index.store.js';
import type { BatchRowType } from './batch.types.js';
import { DomainCheck } from './pipeline/domain-check.js';
import { duplicateIssue, emailDomainUnresolvableIssue, type RowIssue } from './pipeline/issues.js';
import { classifyPrepared, normalizeEmail, type PreparedRow, parseAccountId } from './pipeline/rules.js';
import { trimCell } from './pipeline/text.js';
import type { EmailRefusal } from './pipeline/email.js';
import {
  moveCounters,
  type RowWrite,
  readRow,
  rowsOfAccount,
  rowsWithEmails,
  type StoredRow,
  writeRows,
} from './store/batch-row-edit.store.js';
import { sharedIssuesOf, withSharedIssue } from './validation/shared-emails.js';

/** Longer than any address (254) with room for what a user pastes by mistake, short of abuse. */
const MAX_TYPED = 1_000;
/** An edit waits this long at most for the DNS check of its new domain (when on). */
const EDIT_DNS_BUDGET_MS = 3_000;

/** A row as re-evaluated: what will be stored. */
interface Evaluated {
  rowNumber: number;
  accountId: string | null;
  newEmail: string | null;
  currentEmail: string | null;
  change: string;
  issues: RowIssue[];
}

const APPLICABLE = new Set(['ADD', 'REPLACE']);
const issuesOf = (r: StoredRow): RowIssue[] => (r.issues ? (JSON.parse(r.issues) as RowIssue[]) : []);
const maskOfIssues = (issues: RowIssue[]) => issues.reduce((m, i) => m | issueBit(i.code), 0);

/** The row as a file cell would give it: what classifyPrepared needs, from what the row stores. */
function preparedFrom(rowNumber: number, accountId: string | null, typedEmail: string): PreparedRow {
  const typedId = accountId ?? '';
  const idValid = parseAccountId(typedId) !== null;
  let email = typedEmail;
  let emailReason: EmailRefusal | null = null;
  if (typedEmail !== '') {
    const check = normalizeEmail(typedEmail);
    if (check.ok) email = check.email;
    else emailReason = check.refusal;
  }
  return {
    rowNumber,
    typedId,
    idValid,
    lookupId: idValid,
    emailBlank: typedEmail === '',
    email,
    emailReason,
    // The file's name cells are not kept: NAME_MISMATCH is carried over from the stored issues.
    businessName: '',
    firstName: '',
    lastName: '',
  };
}

/**
 * Changes the email of one row of a VALIDATED batch and validates it again with every rule, with
 * the rows the change affects: the other rows of its account (a duplicate that stops being one, or
 * starts) and the rows sharing its old or new address (SHARED_EMAIL), in one transaction with the
 * counters, the review histogram and the batch's `updated_at`. The file's value stays in fileEmail.
 */
export async function editBatchRow(
  services: Services,
  principal: Principal,
  batchId: string,
  rowNumber: number,
  input: { email?: string | null },
): Promise<BatchRowType> {
  const { db } = services;
  const typed = trimCell(input.email ?? '');
  if (typed.length > MAX_TYPED) throw badInput(`The email is longer than ${MAX_TYPED} characters.`, { field: 'email' });
  if (!Number.isInteger(rowNumber) || rowNumber < 2) throw badInput('rowNumber is a spreadsheet line: 2 or more (the header is row 1).', { field: 'rowNumber' });
  const batch = await findBatch(db, principal.platformId, batchId);
  if (!batch) throw notFound('Upload batch');
  const notValidated = () =>
    conflict(`This batch is ${batch.status}: rows can only be changed while the batch is VALIDATED (before it is confirmed).`);
  if (batch.status !== UploadBatchStatus.VALIDATED) throw notValidated();

  // The DNS check of the new domain runs before the transaction, bounded: it never holds the batch.
  let unresolvable = false;
  const check = normalizeEmail(typed);
  if (services.emailDns && typed !== '' && check.ok) {
    const dns = new DomainCheck(services.emailDns.resolver, services.emailDns.cache, { concurrency: 1 });
    dns.add(check.email.slice(check.email.lastIndexOf('@') + 1));
    unresolvable = (await dns.settle(EDIT_DNS_BUDGET_MS)).length > 0;
  }

  const edited = await db.transaction(async (tx) => {
    if (!(await holdBatch(tx, batchId, UploadBatchStatus.VALIDATED, { platformId: principal.platformId }))) {
      const now = await findBatch(db, principal.platformId, batchId);
      throw conflict(`This batch is ${now?.status ?? 'gone'}: rows can only be changed while the batch is VALIDATED.`);
    }
    const row = await readRow(tx, batchId, rowNumber);
    if (!row) throw notFound(`Row ${rowNumber} of this batch`);

    // Tier 1: the edited row and the other rows of its account, classified again from scratch.
    const accountRows = row.account_id ? await rowsOfAccount(tx, batchId, row.account_id) : [row];
    const accountIds = parseAccountId(row.account_id ?? '') ? [row.account_id as string] : [];
    const accounts = await lookupAccounts(tx, principal.platformId, accountIds);
    const evaluated = new Map<number, Evaluated>();
    for (const r of accountRows) {
      const n = Number(r.row_number);
      const isEdited = n === rowNumber;
      const c = classifyPrepared(preparedFrom(n, r.account_id, isEdited ? typed : (r.new_email ?? '')), accounts.get(r.account_id ?? ''));
      const previous = issuesOf(r);
      const issues = [...c.issues];
      if (c.newEmail !== null && c.accountId !== null && accounts.has(c.accountId)) {
        const mismatch = previous.find((i) => i.code === 'NAME_MISMATCH');
        if (mismatch) issues.splice(issues.filter((i) => i.severity === 'ERROR').length, 0, mismatch);
      }
      const keepsUnresolvable = isEdited ? unresolvable : previous.some((i) => i.code === 'EMAIL_DOMAIN_UNRESOLVABLE');
      if (keepsUnresolvable && APPLICABLE.has(c.change) && c.newEmail) issues.push(emailDomainUnresolvableIssue(c.newEmail));
      evaluated.set(n, { rowNumber: n, accountId: c.accountId, newEmail: c.newEmail, currentEmail: c.currentEmail, change: c.change, issues });
    }
    // Duplicates: every row of the account that gives an email is invalid when there are several.
    const giving = [...evaluated.values()].filter((e) => e.newEmail !== null && e.accountId !== null);
    if (giving.length > 1) {
      const numbers = giving.map((e) => e.rowNumber);
      for (const e of giving) {
        const others = numbers.slice(0, 12).filter((m) => m !== e.rowNumber).slice(0, 11);
        const errors = e.issues.filter((i) => i.severity === 'ERROR');
        const rest = e.issues.filter((i) => i.severity !== 'ERROR');
        e.issues = [...errors, duplicateIssue(others, e.accountId ?? undefined, numbers.length - 1), ...rest];
        e.change = 'INVALID';
      }
    }

    // Tier 2: the rows sharing any address involved; only their SHARED_EMAIL can change.
    const emails = new Set<string>();
    for (const r of accountRows) if (r.new_email) emails.add(r.new_email);
    for (const e of evaluated.values()) if (e.newEmail) emails.add(e.newEmail);
    const sharing = await rowsWithEmails(tx, batchId, [...emails]);
    const stored = new Map<number, StoredRow>();
    for (const r of [...accountRows, ...sharing]) stored.set(Number(r.row_number), r);
    for (const r of sharing) {
      const n = Number(r.row_number);
      if (evaluated.has(n)) continue;
      evaluated.set(n, {
        rowNumber: n,
        accountId: r.account_id,
        newEmail: r.new_email,
        currentEmail: r.current_email,
        change: r.change,
        issues: issuesOf(r),
      });
    }
    const groups = new Map<string, number[]>();
    for (const e of evaluated.values()) {
      if (!e.newEmail || !APPLICABLE.has(e.change)) continue;
      const list = groups.get(e.newEmail) ?? [];
      list.push(e.rowNumber);
      groups.set(e.newEmail, list);
    }
    const sharedIssues = new Map<number, RowIssue>();
    for (const [email, numbers] of groups) {
      if (numbers.length < 2) continue;
      for (const [n, issue] of sharedIssuesOf(email, numbers)) sharedIssues.set(n, issue);
    }

    const writes: RowWrite[] = [];
    const moves: Array<{ from: readonly [string, number]; to: readonly [string, number] }> = [];
    for (const e of evaluated.values()) {
      e.issues = withSharedIssue(e.issues, sharedIssues.get(e.rowNumber) ?? null);
      const before = stored.get(e.rowNumber) as StoredRow;
      const mask = maskOfIssues(e.issues);
      const issues = e.issues.length > 0 ? JSON.stringify(e.issues) : null;
      const applyStatus = APPLICABLE.has(e.change) ? 'PENDING' : 'NOT_APPLICABLE';
      const isEdited = e.rowNumber === rowNumber;
      const same =
        before.change === e.change &&
        Number(before.issue_mask) === mask &&
        (before.issues ?? null) === issues &&
        before.new_email === e.newEmail &&
        before.current_email === e.currentEmail;
      if (same && !(isEdited && before.file_email == null && before.new_email !== e.newEmail)) continue;
      writes.push({
        rowNumber: e.rowNumber,
        newEmail: e.newEmail,
        currentEmail: e.currentEmail,
        change: e.change,
        issueMask: mask,
        issues,
        applyStatus,
        // What the file said: '' for a blank cell. Kept from the first edit on.
        fileEmail: isEdited && before.new_email !== e.newEmail ? (before.new_email ?? '') : undefined,
      });
      moves.push({ from: [before.change, Number(before.issue_mask)], to: [e.change, mask] });
    }
    await writeRows(tx, batchId, writes);
    // A search index built from the rows before this edit would miss its new addresses.
    if ((await countRowEdit(tx, batchId)).indexed) await syncSearchRows(tx, batchId, writes.map((w) => w.rowNumber));
    if (moves.length > 0) await moveCounters(tx, batchId, moves);
    return (await readRow(tx, batchId, rowNumber)) as StoredRow;
  });
  services.logger.info({ batchId, rowNumber, by: principal.subjectId, change: edited.change }, 'batch row edited');
  await publishBatch(services, batchId);
  return rowFromRecord(edited);
}
