import { Transform, type TransformCallback } from 'node:stream';
import type { Express } from 'express';
import { Role } from '../auth/dashboard-user.entity.js';
import { findBatch, publishBatch, VALIDATE_JOB } from '../batches/batch.service.js';
import { recordUpload, transition } from '../batches/store/batch.store.js';
import { fileTooLargeRejection } from '../batches/pipeline/errors.js';
import { failBatch, rejectBatch, type ValidatePayload } from '../batches/validation/validate.job.js';
import type { Services } from '../../services.js';
import { errorBody, principalOf } from './request-auth.js';

class TooLarge extends Error {}

/** Counts bytes and line breaks as they pass; fails past the cap. */
class Meter extends Transform {
  bytes = 0;
  newlines = 0;
  constructor(private readonly max: number) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.max) {
      done(new TooLarge());
      return;
    }
    let i = chunk.indexOf(10);
    while (i !== -1) {
      this.newlines++;
      i = chunk.indexOf(10, i + 1);
    }
    done(null, chunk);
  }
}

/** The upload URL for a batch (absolute, as API.md requires). */
export function uploadUrl(origin: string, batchId: string): string {
  return `${origin}/files/uploads/${encodeURIComponent(batchId)}`;
}

/**
 * PUT /files/uploads/:id — the raw file bytes, once. The body is written to
 * the upload store (a local directory or the database) as it arrives (memory stays flat whatever the size),
 * answered 202 once fully received, and validated by a background job.
 */
export function mountUploadRoute(app: Express, services: Services): void {
  app.put('/files/uploads/:id', async (req, res) => {
    const principal = await principalOf(services, req);
    if (!principal) {
      res.status(401).json(errorBody('UNAUTHENTICATED', 'Sign in or send a valid API key.'));
      return;
    }
    const batchId = String(req.params.id);
    const batch = await findBatch(services.db, principal.platformId, batchId);
    if (!batch) {
      res.status(404).json(errorBody('NOT_FOUND', 'Upload batch not found.'));
      return;
    }
    if (principal.role !== Role.ADMIN) {
      res.status(403).json(errorBody('FORBIDDEN', 'Only admins can upload files.'));
      return;
    }
    const max = services.env.MAX_UPLOAD_BYTES;
    const declared = Number(req.headers['content-length'] ?? Number.NaN);
    // Claim the batch first: the upload URL works once, whatever happens next.
    const claimed = await transition(services.db, batchId, 'upload', { platformId: principal.platformId, actor: principal.actor });
    if (!claimed) {
      res.status(409).json(errorBody('CONFLICT', 'This upload URL has already been used. Create a new batch to upload another file.'));
      return;
    }
    const log = services.logger.child({ batchId });
    if (Number.isFinite(declared) && declared > max) {
      await rejectBatch(services, batchId, fileTooLargeRejection(max));
      await publishBatch(services, batchId);
      res.setHeader('Connection', 'close');
      res.status(413).json(errorBody('FILE_TOO_LARGE', fileTooLargeRejection(max).message));
      req.resume();
      return;
    }
    await publishBatch(services, batchId);
    const meter = new Meter(max);
    try {
      // The store removes what it kept when the stream fails.
      await services.uploads.write(batchId, req, meter);
    } catch (err) {
      if (err instanceof TooLarge) {
        await rejectBatch(services, batchId, fileTooLargeRejection(max));
        await publishBatch(services, batchId);
        res.setHeader('Connection', 'close');
        res.status(413).json(errorBody('FILE_TOO_LARGE', fileTooLargeRejection(max).message));
        return;
      }
      log.warn({ err }, 'upload interrupted');
      await failBatch(services, batchId, 'The upload was interrupted before the whole file arrived. Create a new batch and upload the file again.');
      await publishBatch(services, batchId);
      if (!res.headersSent) res.status(400).json(errorBody('UPLOAD_INTERRUPTED', 'The upload was interrupted.'));
      return;
    }
    await recordUpload(services.db, batchId, meter.bytes, Math.max(0, meter.newlines - 1));
    log.info({ bytes: meter.bytes }, 'upload received');
    await services.jobs.enqueue<ValidatePayload>(VALIDATE_JOB, { batchId, platformId: principal.platformId }, { jobId: `validate:${batchId}` });
    const current = await publishBatch(services, batchId);
    res.status(202).json({ batch: { id: batchId, status: current?.status ?? claimed.status } });
  });
}
