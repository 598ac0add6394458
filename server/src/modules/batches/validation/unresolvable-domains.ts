import type { SqlDatabase } from '../../../db/sql.js';
import { issueBit } from '../batch-row.codes.js';
import { BATCH_ROW_COLUMNS, type BatchRowRecord, rowFromRecord } from '../batch.mapper.js';
import type { BatchRowType } from '../batch.types.js';
import { emailDomainUnresolvableIssue, type RowIssue } from '../pipeline/issues.js';
import { SHARING_CHANGES } from './shared-emails.js';

const DOMAINS_PER_QUERY = 50;

/**
 * Adds EMAIL_DOMAIN_UNRESOLVABLE to the ADD and REPLACE rows whose new email's domain is one of
 * `domains` (known to have no MX/A/AAAA record). A page of domains per statement; such domains are
 * few, and the check is off unless the operator turns it on.
 */
export async function markUnresolvableDomains(
  db: SqlDatabase,
  batchId: string,
  domains: readonly string[],
  reportLimit: number,
): Promise<{ marked: number; sample: BatchRowType[] }> {
  let marked = 0;
  const sample: BatchRowType[] = [];
  for (let start = 0; start < domains.length; start += DOMAINS_PER_QUERY) {
    const page = domains.slice(start, start + DOMAINS_PER_QUERY);
    // Domains hold letters, digits, hyphens and dots only (validated): no LIKE wildcard to escape.
    const likes = page.map((_, i) => `new_email like $${i + 2}`).join(' or ');
    await db.transaction(async (tx) => {
      const rows = await tx.query<BatchRowRecord>(
        `select ${BATCH_ROW_COLUMNS} from batch_row where batch_id = $1 and new_email is not null and ${SHARING_CHANGES} and (${likes})`,
        [batchId, ...page.map((d) => `%@${d}`)],
      );
      for (const r of rows) {
        const previous = r.issues ? (JSON.parse(r.issues) as RowIssue[]) : [];
        if (previous.some((i) => i.code === 'EMAIL_DOMAIN_UNRESOLVABLE')) continue;
        const issues = JSON.stringify([...previous, emailDomainUnresolvableIssue(r.new_email as string)]);
        await tx.execute('update batch_row set issues = $1, issue_mask = issue_mask | $2 where batch_id = $3 and row_number = $4', [
          issues,
          issueBit('EMAIL_DOMAIN_UNRESOLVABLE'),
          batchId,
          Number(r.row_number),
        ]);
        marked++;
        if (sample.length < reportLimit) sample.push(rowFromRecord({ ...r, issues }));
      }
    });
  }
  return { marked, sample };
}
