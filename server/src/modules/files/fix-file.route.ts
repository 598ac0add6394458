import type { Express } from 'express';
import type { Services } from '../../services.js';
import { findBatch } from '../batches/batch.service.js';
import { TEMPLATE_HEADERS } from '../batches/pipeline/headers.js';
import { streamCsv } from './csv-download.js';
import { errorBody } from './request-auth.js';
import { downloadPlatform } from './template.route.js';

const PAGE = 5_000;

export const fixFileResource = (batchId: string) => `fix:${batchId}`;

/**
 * The rows that need attention: invalid rows and rows with a warning that were not applied, and
 * rows whose apply ended in a conflict or a failure. Rows applied (warnings included) are done.
 */
export const NEEDS_ATTENTION = `apply_status <> 'APPLIED' and (r.issue_mask <> 0 or apply_status in ('CONFLICT', 'FAILED'))`;

/**
 * GET /files/batches/:id/fix — those rows in the template's own format (same six headers, BOM,
 * formula-safe cells), pre-filled with the account's current data and the email the row tried,
 * ready to correct and upload as a new file.
 */
export function mountFixFileRoute(app: Express, services: Services): void {
  app.get('/files/batches/:id/fix', async (req, res) => {
    const batchId = String(req.params.id);
    const platformId = await downloadPlatform(services, req, fixFileResource(batchId));
    if (!platformId) {
      res.status(401).json(errorBody('UNAUTHENTICATED', 'This link has expired or is not valid. Open the batch again to get a new one.'));
      return;
    }
    const batch = await findBatch(services.db, platformId, batchId);
    if (!batch) {
      res.status(404).json(errorBody('NOT_FOUND', 'Upload batch not found.'));
      return;
    }
    let after = 0;
    let done = false;
    await streamCsv(res, `comms-center-${batchId}-rows-to-fix.csv`, TEMPLATE_HEADERS, async () => {
      if (done) return null;
      const rows = await services.db.scans.query<{
        row_number: number | string;
        account_id: string | null;
        row_business_name: string | null;
        business_name: string | null;
        first_name: string | null;
        last_name: string | null;
        user_claimed_email: boolean | number | null;
        found: string | null;
        new_email: string | null;
      }>(
        `select r.row_number, r.account_id, r.business_name as row_business_name, r.new_email,
                a.id as found, a.business_name, a.first_name, a.last_name, a.user_claimed_email
           from batch_row r
           left join connected_account a on a.platform_id = $1 and a.id = r.account_id
          where r.batch_id = $2 and r.row_number > $3 and ${NEEDS_ATTENTION}
          order by r.row_number limit $4`,
        [platformId, batchId, after, PAGE],
      );
      if (rows.length < PAGE) done = true;
      if (rows.length === 0) return null;
      after = Number(rows[rows.length - 1].row_number);
      return rows.map((r) =>
        r.found
          ? [r.account_id ?? '', r.business_name ?? '', r.first_name ?? '', r.last_name ?? '', r.new_email ?? '', r.user_claimed_email ? '✔' : '✗']
          : // No such account: the row as the file gave it, to correct the ID.
            [r.account_id ?? '', r.row_business_name ?? '', '', '', r.new_email ?? '', ''],
      );
    });
  });
}
