import { pipeline } from 'node:stream/promises';
import type { Services } from '../../../services.js';
import { UploadBatchStatus } from '../batch.entity.js';
import { publishBatch } from '../batch.service.js';
import { type ProblemRowsMessage, problemRowsTopic } from '../batch.topics.js';
import type { BatchRowType } from '../batch.types.js';
import { rowFromRecord } from '../batch.mapper.js';
import { createDecoder } from '../pipeline/decode.js';
import { emptyFileRejection, FileRejection } from '../pipeline/errors.js';
import { type ColumnMap, mapHeaders } from '../pipeline/headers.js';
import { createRowParser, type ParsedRow } from '../pipeline/parse.js';
import { classifyChunk } from './classify-chunk.js';
import { markDuplicates } from './duplicates.js';
import { persistChunk } from './persist-chunk.js';
import { recountBatch } from './recount.js';

export interface ValidatePayload {
  batchId: string;
  platformId: string;
}

/**
 * Validates an uploaded file: decode → parse → check headers → validate rows
 * in chunks → persist → publish. Each stage streams; a chunk holds at most
 * VALIDATION_CHUNK_ROWS rows, so memory does not grow with the file.
 */
export async function validateUpload(services: Services, payload: ValidatePayload): Promise<void> {
  const { db, logger, env } = services;
  const { batchId, platformId } = payload;
  const started = Date.now();
  const log = logger.child({ batchId });
  // A job runs again after its worker died (BullMQ stalled-job retry): start from a clean batch.
  // Only a VALIDATING batch is validated; anything else (failed, canceled, a finished retry) is left alone.
  const reset = await db.transaction(async (tx) => {
    const [row] = await tx.query<{ status: string }>('select status from upload_batch where id = $1', [batchId]);
    if (row?.status !== UploadBatchStatus.VALIDATING) return false;
    await tx.execute('delete from batch_row where batch_id = $1', [batchId]);
    await tx.execute(
      `update upload_batch set total_rows = 0, processed_rows = 0, additions = 0, replacements = 0, unchanged = 0, skipped = 0,
          invalid = 0, warnings = 0, issue_counts = null where id = $1`,
      [batchId],
    );
    return true;
  });
  if (!reset) {
    log.info('validation skipped: the batch is no longer VALIDATING');
    await services.uploads.remove(batchId);
    return;
  }
  try {
    let columns: ColumnMap | undefined;
    let chunk: ParsedRow[] = [];
    const flush = async () => {
      const rows = chunk;
      chunk = [];
      const classified = await db.transaction(async (tx) => {
        const out = await classifyChunk(tx, platformId, columns as ColumnMap, rows);
        await persistChunk(tx, batchId, out);
        return out;
      });
      const problems = classified.filter((r) => r.issues.length > 0);
      if (problems.length > 0) {
        const message: ProblemRowsMessage = {
          kind: 'rows',
          rows: problems.map(
            (r): BatchRowType =>
              rowFromRecord({
                row_number: r.rowNumber,
                account_id: r.accountId,
                business_name: r.businessName,
                new_email: r.newEmail,
                current_email: r.currentEmail,
                change: r.change,
                issues: JSON.stringify(r.issues),
                apply_status: r.change === 'ADD' || r.change === 'REPLACE' ? 'PENDING' : 'NOT_APPLICABLE',
              }),
          ),
        };
        services.pubsub.publish(problemRowsTopic(batchId), message);
      }
      await publishBatch(services, batchId);
    };

    const parser = createRowParser({ maxDataRows: env.MAX_UPLOAD_ROWS });
    const source = services.uploads.read(batchId);
    const decoding = pipeline(source, createDecoder(), parser);
    // The pipeline's own rejection surfaces through the iterator below; this keeps it from being unhandled.
    decoding.catch(() => undefined);
    for await (const row of parser as AsyncIterable<ParsedRow>) {
      if (!columns) {
        columns = mapHeaders(row.cells);
        continue;
      }
      chunk.push(row);
      if (chunk.length >= env.VALIDATION_CHUNK_ROWS) await flush();
    }
    await decoding;
    if (!columns) throw emptyFileRejection();
    if (chunk.length > 0) await flush();
    const [{ n }] = await db.query<{ n: number | string }>('select count(*) as n from batch_row where batch_id = $1', [batchId]);
    if (Number(n) === 0) throw emptyFileRejection();

    const duplicates = await markDuplicates(db, batchId, 1_000);
    if (duplicates.sample.length > 0) {
      services.pubsub.publish(problemRowsTopic(batchId), { kind: 'rows', rows: duplicates.sample, revisits: true } satisfies ProblemRowsMessage);
    }
    await db.transaction(async (tx) => {
      await recountBatch(tx, batchId);
      await tx.execute(`update upload_batch set status = $1, validated_at = $2, updated_at = $2 where id = $3 and status = $4`, [
        UploadBatchStatus.VALIDATED,
        new Date(),
        batchId,
        UploadBatchStatus.VALIDATING,
      ]);
    });
    await db.analyze('batch_row');
    log.info({ rows: Number(n), duplicates: duplicates.marked, ms: Date.now() - started }, 'batch validated');
  } catch (err) {
    if (err instanceof FileRejection) {
      await rejectBatch(services, batchId, err);
      log.info({ code: err.code, ms: Date.now() - started }, 'file rejected');
    } else {
      log.error({ err }, 'validation failed');
      await failBatch(services, batchId, 'Validation stopped on an internal error. Upload the file again; if it happens again, contact support.');
    }
  } finally {
    services.pubsub.publish(problemRowsTopic(batchId), { kind: 'done' } satisfies ProblemRowsMessage);
    await publishBatch(services, batchId);
    await services.uploads.remove(batchId);
  }
}

/** Ends a batch as REJECTED with its file error; nothing of its rows is kept. */
export async function rejectBatch(services: Services, batchId: string, err: FileRejection): Promise<void> {
  await services.db.transaction(async (tx) => {
    await tx.execute('delete from batch_row where batch_id = $1', [batchId]);
    await tx.execute(
      `update upload_batch set status = 'REJECTED', file_error_code = $1, file_error_message = $2, file_error_line = $3,
          file_error_missing = $4, file_error_found = $5, total_rows = 0, processed_rows = 0, additions = 0, replacements = 0,
          unchanged = 0, skipped = 0, invalid = 0, warnings = 0, updated_at = $6
        where id = $7`,
      [
        err.code,
        err.message,
        err.line ?? null,
        err.missingHeaders ? JSON.stringify(err.missingHeaders) : null,
        err.foundHeaders ? JSON.stringify(err.foundHeaders) : null,
        new Date(),
        batchId,
      ],
    );
  });
}

/** Ends a batch as FAILED with a message for the user. */
export async function failBatch(services: Services, batchId: string, message: string): Promise<void> {
  await services.db.execute(`update upload_batch set status = 'FAILED', failure_message = $1, updated_at = $2 where id = $3`, [
    message,
    new Date(),
    batchId,
  ]);
}
