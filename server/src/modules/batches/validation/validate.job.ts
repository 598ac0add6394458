import { JobHandedBack } from '../../../jobs/job-runner.js';
import { sql } from '../../../db/sql.js';
import type { Services } from '../../../services.js';
import { publishBatch } from '../batch.service.js';
import { type ProblemRowsMessage, problemRowsTopic } from '../batch.topics.js';
import type { BatchRowType } from '../batch.types.js';
import { rowFromRecord } from '../batch.mapper.js';
import { initialApplyStatus } from '../batch-row.codes.js';
import { UploadBatchStatus } from '../lifecycle/batch-status.js';
import { holdBatch, deleteRows, resetValidationCounters, transition } from '../store/batch.store.js';
import { emptyFileRejection, FileRejection } from '../pipeline/errors.js';
import { type ClassifiedChunkRow, classifyChunk } from './classify-chunk.js';
import { DomainCheck } from '../pipeline/domain-check.js';
import { markDuplicates } from './duplicates.js';
import { markSharedEmails } from './shared-emails.js';
import { markUnresolvableDomains } from './unresolvable-domains.js';
import { ParseInWorker } from './parse-in-worker.js';
import { persistChunk } from './persist-chunk.js';
import { readRowHistogram, storeCounters } from './recount.js';

export interface ValidatePayload {
  batchId: string;
  platformId: string;
}

/**
 * Validates an uploaded file: decode → parse → check headers → validate rows
 * in chunks → persist → publish. Each stage streams; a chunk holds at most
 * VALIDATION_CHUNK_ROWS rows, so memory does not grow with the file. The
 * stages up to the account-free row checks run on a worker thread
 * (parse-in-worker.ts), so they overlap with this thread's lookups and inserts.
 */
export async function validateUpload(services: Services, payload: ValidatePayload): Promise<void> {
  const { db, logger, env } = services;
  const { batchId, platformId } = payload;
  const started = Date.now();
  const log = logger.child({ batchId });
  // A job runs again after its worker died (BullMQ stalled-job retry): start from a clean batch.
  // Only a VALIDATING batch is validated; anything else (failed, canceled, a finished retry) is left alone.
  const reset = await db.transaction(async (tx) => {
    if (!(await holdBatch(tx, batchId, UploadBatchStatus.VALIDATING))) return false;
    await deleteRows(tx, batchId);
    await resetValidationCounters(tx, batchId);
    return true;
  });
  if (!reset) {
    log.info('validation skipped: the batch is no longer VALIDATING');
    await services.uploads.remove(batchId);
    return;
  }
  let parsing: ParseInWorker | undefined;
  let handedBack = false;
  // Lookups start as domains appear, so they overlap with parsing; off unless EMAIL_DNS_CHECK.
  const dns = services.emailDns
    ? new DomainCheck(services.emailDns.resolver, services.emailDns.cache, { concurrency: env.EMAIL_DNS_CONCURRENCY })
    : null;
  try {
    parsing = new ParseInWorker(services.uploads.read(batchId), {
      maxDataRows: env.MAX_UPLOAD_ROWS,
      chunkRows: env.VALIDATION_CHUNK_ROWS,
    });
    let stored = 0;
    // Time spent waiting for the parser: tells a parse-bound run from a database-bound one in the log.
    let waitedMs = 0;
    let waitStart = performance.now();
    // Decode, parse and the account-free checks run on the worker's thread; here,
    // per chunk: the accounts' lookup, the rest of each row's rules, the insert.
    for await (const packed of parsing) {
      waitedMs += performance.now() - waitStart;
      // Shutting down: stop between two chunks and keep the file; the job starts over from a clean
      // batch wherever it runs next (BullMQ: another worker; embedded: this server's next start).
      if (services.shutdown.aborted) throw new JobHandedBack(`validation of ${batchId} handed back after ${stored} rows`);
      // Not durable: a crash mid-validation ends the batch FAILED (or a retry starts over), so no commit needs to wait for the disk.
      const classified = await db.transaction(
        async (tx) => {
          // Canceled (or failed) meanwhile: stop here, writing nothing more.
          if (!(await holdBatch(tx, batchId, UploadBatchStatus.VALIDATING))) throw new BatchMovedOn();
          const out = await classifyChunk(tx, platformId, packed);
          await persistChunk(tx, batchId, out);
          return out;
        },
        { durable: false },
      );
      stored += classified.length;
      if (dns) for (const r of classified) if (r.change === 'ADD' || r.change === 'REPLACE') dns.add(domainOf(r.newEmail as string));
      publishProblems(services, batchId, classified);
      await publishBatch(services, batchId);
      waitStart = performance.now();
    }
    waitedMs += performance.now() - waitStart;
    const storedMs = Date.now() - started;
    if (!parsing.headerSeen || stored === 0) throw emptyFileRejection();

    const duplicates = await markDuplicates(db, batchId, 1_000);
    if (duplicates.sample.length > 0) {
      services.pubsub.publish(problemRowsTopic(batchId), { kind: 'rows', rows: duplicates.sample, revisits: true } satisfies ProblemRowsMessage);
    }
    const shared = await markSharedEmails(db, batchId, 1_000);
    if (shared.sample.length > 0) {
      services.pubsub.publish(problemRowsTopic(batchId), { kind: 'rows', rows: shared.sample, revisits: true } satisfies ProblemRowsMessage);
    }
    if (dns) {
      const unresolvable = await dns.settle(env.EMAIL_DNS_BUDGET_MS);
      const marked = await markUnresolvableDomains(db, batchId, unresolvable, 1_000);
      if (marked.sample.length > 0) {
        services.pubsub.publish(problemRowsTopic(batchId), { kind: 'rows', rows: marked.sample, revisits: true } satisfies ProblemRowsMessage);
      }
      log.info({ lookups: dns.lookups, unresolvable: unresolvable.length, marked: marked.marked }, 'email domains checked');
    }
    // The rows are final now (only this job writes a VALIDATING batch's rows): counted off the
    // server's thread, then stored with the status change.
    const histogram = await readRowHistogram(db.scans, batchId);
    const validated = await db.transaction(async (tx) => {
      if (!(await holdBatch(tx, batchId, UploadBatchStatus.VALIDATING))) return false;
      await storeCounters(tx, batchId, histogram);
      const now = new Date();
      return (await transition(tx, batchId, 'validate', { now, set: { validated_at: now } })) !== null;
    });
    if (!validated) throw new BatchMovedOn();
    log.info(
      { rows: stored, duplicates: duplicates.marked, sharedEmails: shared.marked, ms: Date.now() - started, storedMs, waitedMs: Math.round(waitedMs) },
      'batch validated',
    );
  } catch (err) {
    if (err instanceof JobHandedBack) {
      handedBack = true;
      log.info({ ms: Date.now() - started }, 'validation paused for shutdown; it starts over from the first row');
      throw err;
    }
    if (err instanceof BatchMovedOn) {
      log.info({ ms: Date.now() - started }, 'validation stopped: the batch is no longer VALIDATING (canceled)');
    } else if (err instanceof FileRejection) {
      await rejectBatch(services, batchId, err);
      log.info({ code: err.code, ms: Date.now() - started }, 'file rejected');
    } else {
      log.error({ err }, 'validation failed');
      await failBatch(services, batchId, 'Validation stopped on an internal error. Upload the file again; if it happens again, contact support.');
    }
  } finally {
    await parsing?.close();
    if (!handedBack) {
      services.pubsub.publish(problemRowsTopic(batchId), { kind: 'done' } satisfies ProblemRowsMessage);
      await publishBatch(services, batchId);
      await services.uploads.remove(batchId);
    }
  }
}

function domainOf(email: string): string {
  return email.slice(email.lastIndexOf('@') + 1);
}

/** The chunk's rows with an error or a warning, for the live problem list. */
function publishProblems(services: Services, batchId: string, rows: ClassifiedChunkRow[]): void {
  const problems: BatchRowType[] = [];
  for (const r of rows) {
    if (r.issues.length === 0) continue;
    problems.push(
      rowFromRecord({
        row_number: r.rowNumber,
        account_id: r.accountId,
        business_name: r.businessName,
        new_email: r.newEmail,
        current_email: r.currentEmail,
        change: r.change,
        issues: JSON.stringify(r.issues),
        apply_status: initialApplyStatus(r.change),
      }),
    );
  }
  if (problems.length > 0) services.pubsub.publish(problemRowsTopic(batchId), { kind: 'rows', rows: problems } satisfies ProblemRowsMessage);
}

/** The batch left VALIDATING under the job (a cancel won the race): the job stops without writing. */
class BatchMovedOn extends Error {}

/** Ends a VALIDATING batch as REJECTED with its file error; nothing of its rows is kept. */
export async function rejectBatch(services: Services, batchId: string, err: FileRejection): Promise<void> {
  await services.db.transaction(async (tx) => {
    const moved = await transition(tx, batchId, 'reject', {
      set: {
        file_error_code: err.code,
        file_error_message: err.message,
        file_error_line: err.line ?? null,
        file_error_missing: err.missingHeaders ? JSON.stringify(err.missingHeaders) : null,
        file_error_found: err.foundHeaders ? JSON.stringify(err.foundHeaders) : null,
        total_rows: 0,
        processed_rows: 0,
        additions: 0,
        replacements: 0,
        unchanged: 0,
        skipped: 0,
        invalid: 0,
        warnings: 0,
      },
    });
    // Only the winner of the guarded statement deletes: a canceled batch keeps its rows until retention.
    if (moved) await deleteRows(tx, batchId);
  });
}

/**
 * Ends a batch a job was working on as FAILED with a message for the user (a no-op if it moved on).
 * A batch that fails while VALIDATING has its total set to the rows it processed: the file's own
 * total is only known at the end, and "0 rows, 40,000 processed" contradicts itself.
 */
export async function failBatch(services: Services, batchId: string, message: string): Promise<boolean> {
  const moved = await transition(services.db, batchId, 'fail', {
    set: {
      failure_message: message,
      // Read before the update: the status it had (SQL evaluates SET against the old row).
      total_rows: sql`case when status = ${UploadBatchStatus.VALIDATING} then processed_rows else total_rows end`,
    },
  });
  if (!moved) services.logger.info({ batchId }, 'not failed: the batch is no longer being worked on');
  return moved !== null;
}
