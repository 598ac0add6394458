import type { Express } from 'express';
import { BATCH_ROW_COLUMNS, type BatchRowRecord, rowFromRecord } from '../batches/batch.mapper.js';
import { findBatch } from '../batches/batch.service.js';
import type { Services } from '../../services.js';
import { streamCsv } from './csv-download.js';
import { errorBody } from './request-auth.js';
import { downloadPlatform } from './template.route.js';

const PAGE = 5_000;
export const REPORT_HEADERS = [
  'Row',
  'Account ID',
  'Business Name',
  'Current Email',
  'New Email',
  'Change',
  'Issue Codes',
  'Issue Messages',
  'Apply Status',
  // Set when the row's email was changed in the review (editBatchRow): what the file said.
  'File Email',
] as const;

export const reportResource = (batchId: string) => `report:${batchId}`;

/** GET /files/batches/:id/report — every row with its change, issues and apply status. */
export function mountReportRoute(app: Express, services: Services): void {
  app.get('/files/batches/:id/report', async (req, res) => {
    const batchId = String(req.params.id);
    const platformId = await downloadPlatform(services, req, reportResource(batchId));
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
    await streamCsv(res, `comms-center-${batchId}-report.csv`, REPORT_HEADERS, async () => {
      if (done) return null;
      const records = await services.db.scans.query<BatchRowRecord>(
        `select ${BATCH_ROW_COLUMNS} from batch_row where batch_id = $1 and row_number > $2 order by row_number limit $3`,
        [batchId, after, PAGE],
      );
      if (records.length < PAGE) done = true;
      if (records.length === 0) return null;
      after = Number(records[records.length - 1].row_number);
      return records.map(rowFromRecord).map((r) => [
        String(r.rowNumber),
        r.accountId ?? '',
        r.businessName ?? '',
        r.currentEmail ?? '',
        r.newEmail ?? '',
        r.change,
        r.issues.map((i) => i.code).join(' '),
        r.issues.map((i) => i.message).join(' | '),
        r.applyStatus,
        r.fileEmail ?? '',
      ]);
    });
  });
}
