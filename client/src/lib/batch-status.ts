import type { BatchStatus, RowApplyStatus } from '../graphql/documents';

/**
 * What the dashboard makes of each batch status. Every map is a
 * `Record<BatchStatus, …>` over the schema's enum, so a status added on the
 * server fails the typecheck here until it is given a place.
 */

/** Where a run of work ends: the live subscription is not (re)opened there. */
export const TERMINAL: Record<BatchStatus, boolean> = {
  AWAITING_UPLOAD: false,
  VALIDATING: false,
  VALIDATED: false,
  AWAITING_APPROVAL: false,
  APPLYING: false,
  ROLLING_BACK: false,
  REJECTED: true,
  DECLINED: true,
  COMPLETED: true,
  ROLLED_BACK: true,
  CANCELED: true,
  EXPIRED: true,
  FAILED: true,
};

export const STATUS_TONE: Record<BatchStatus, 'neutral' | 'info' | 'success' | 'warning' | 'danger'> = {
  AWAITING_UPLOAD: 'neutral',
  VALIDATING: 'info',
  VALIDATED: 'info',
  AWAITING_APPROVAL: 'warning',
  APPLYING: 'info',
  ROLLING_BACK: 'info',
  REJECTED: 'danger',
  DECLINED: 'neutral',
  COMPLETED: 'success',
  ROLLED_BACK: 'neutral',
  CANCELED: 'neutral',
  EXPIRED: 'neutral',
  FAILED: 'danger',
};

/** An ADMIN may cancel the batch (the server's transitions table allows `cancel` from these). */
export const CANCELABLE: Record<BatchStatus, boolean> = {
  // Terminal statuses are never cancelable (spreading TERMINAL alone would make them so).
  ...(Object.fromEntries(Object.keys(TERMINAL).map((s) => [s, false])) as Record<BatchStatus, boolean>),
  AWAITING_UPLOAD: true,
  VALIDATING: true,
  VALIDATED: true,
  AWAITING_APPROVAL: true,
  APPLYING: false,
  ROLLING_BACK: false,
};

/** The batch's rows are there to review (after validation, until retention removes them). */
export const REVIEWABLE: Record<BatchStatus, boolean> = {
  AWAITING_UPLOAD: false,
  VALIDATING: false,
  VALIDATED: true,
  AWAITING_APPROVAL: true,
  APPLYING: true,
  ROLLING_BACK: true,
  REJECTED: false,
  DECLINED: true,
  COMPLETED: true,
  ROLLED_BACK: true,
  CANCELED: true,
  EXPIRED: true,
  FAILED: true,
};

/** The apply has started: rows show their apply status. */
export const APPLY_STARTED: Record<BatchStatus, boolean> = {
  AWAITING_UPLOAD: false,
  VALIDATING: false,
  VALIDATED: false,
  AWAITING_APPROVAL: false,
  APPLYING: true,
  ROLLING_BACK: true,
  REJECTED: false,
  DECLINED: false,
  COMPLETED: true,
  ROLLED_BACK: true,
  CANCELED: false,
  EXPIRED: false,
  FAILED: true,
};

/** The batch still waits for a person and expires at `expiresAt`. */
export const EXPIRES: Record<BatchStatus, boolean> = {
  ...TERMINAL,
  AWAITING_UPLOAD: true,
  VALIDATING: false,
  VALIDATED: true,
  AWAITING_APPROVAL: true,
  APPLYING: false,
  ROLLING_BACK: false,
  COMPLETED: false,
  REJECTED: false,
  DECLINED: false,
  ROLLED_BACK: false,
  CANCELED: false,
  EXPIRED: false,
  FAILED: false,
};

/** The six steps of the collection flow. */
export const STEPS = ['template', 'upload', 'validation', 'review', 'confirm', 'apply'] as const;
export type Step = (typeof STEPS)[number];

/** Where each status stands in the flow's steps, and whether that step failed or is done. */
export const STEP_OF_STATUS: Record<BatchStatus, { step: Step; failed: boolean; done: boolean }> = {
  AWAITING_UPLOAD: { step: 'upload', failed: false, done: false },
  VALIDATING: { step: 'validation', failed: false, done: false },
  REJECTED: { step: 'validation', failed: true, done: false },
  VALIDATED: { step: 'review', failed: false, done: false },
  AWAITING_APPROVAL: { step: 'confirm', failed: false, done: false },
  CANCELED: { step: 'confirm', failed: true, done: false },
  EXPIRED: { step: 'confirm', failed: true, done: false },
  DECLINED: { step: 'confirm', failed: true, done: false },
  APPLYING: { step: 'apply', failed: false, done: false },
  COMPLETED: { step: 'apply', failed: false, done: true },
  ROLLING_BACK: { step: 'apply', failed: false, done: true },
  ROLLED_BACK: { step: 'apply', failed: false, done: true },
  FAILED: { step: 'apply', failed: true, done: false },
};

/** What the batch page shows for a status; every part is off unless the status turns it on. */
export interface BatchView {
  /** The file never arrived: say so and offer to upload again. */
  awaitingUpload: boolean;
  /** Validation runs: its progress (rate, ETA) and the problem rows as they stream in. */
  validating: boolean;
  /** The whole file was refused: explain why. */
  rejected: boolean;
  /** The i18n key of the notice of a batch that ended without applying, if any. */
  endedNotice: 'batch.canceled' | 'batch.expired' | null;
  failed: boolean;
  /** The apply runs: its progress (rate, ETA). */
  applying: boolean;
  completed: boolean;
  /** The approval panel: waiting for a second admin, or declined. */
  approval: boolean;
  /** The rollback section: offered, running or done. */
  rollback: boolean;
  /** The confirm step (or, when no row changes an email, the "nothing to apply" state). */
  confirm: boolean;
}

const view = (parts: Partial<BatchView>): BatchView => ({
  awaitingUpload: false,
  validating: false,
  rejected: false,
  endedNotice: null,
  failed: false,
  applying: false,
  completed: false,
  approval: false,
  rollback: false,
  confirm: false,
  ...parts,
});

export const VIEW_OF_STATUS: Record<BatchStatus, BatchView> = {
  AWAITING_UPLOAD: view({ awaitingUpload: true }),
  VALIDATING: view({ validating: true }),
  VALIDATED: view({ confirm: true }),
  AWAITING_APPROVAL: view({ approval: true }),
  APPLYING: view({ applying: true }),
  ROLLING_BACK: view({ rollback: true }),
  REJECTED: view({ rejected: true }),
  DECLINED: view({ approval: true }),
  COMPLETED: view({ completed: true, rollback: true }),
  ROLLED_BACK: view({ rollback: true }),
  CANCELED: view({ endedNotice: 'batch.canceled' }),
  EXPIRED: view({ endedNotice: 'batch.expired' }),
  FAILED: view({ failed: true }),
};

/** The live problem-rows stream is open (it ends with validation). */
export const STREAMS_PROBLEMS: Record<BatchStatus, boolean> = {
  ...(Object.fromEntries(Object.keys(TERMINAL).map((s) => [s, false])) as Record<BatchStatus, boolean>),
  AWAITING_UPLOAD: true,
  VALIDATING: true,
};

/** Where a status stands in the approval: asked (waiting for a second admin), declined, or neither. */
export const APPROVAL_STAGE: Record<BatchStatus, 'asked' | 'declined' | null> = {
  ...(Object.fromEntries(Object.keys(TERMINAL).map((s) => [s, null])) as Record<BatchStatus, null>),
  AWAITING_APPROVAL: 'asked',
  DECLINED: 'declined',
};

/** Where a status stands in the rollback: it may be offered, runs, is done, or none of these. */
export const ROLLBACK_STAGE: Record<BatchStatus, 'offered' | 'running' | 'done' | null> = {
  ...(Object.fromEntries(Object.keys(TERMINAL).map((s) => [s, null])) as Record<BatchStatus, null>),
  COMPLETED: 'offered',
  ROLLING_BACK: 'running',
  ROLLED_BACK: 'done',
};

/** Rows can be edited in the review (the server's editBatchRow holds the batch only while VALIDATED). */
export const ROWS_EDITABLE: Record<BatchStatus, boolean> = {
  ...(Object.fromEntries(Object.keys(TERMINAL).map((s) => [s, false])) as Record<BatchStatus, boolean>),
  VALIDATED: true,
};

/** The batches a second admin has to look at (the Batches page's filter, `?status=` in its URL). */
export const APPROVAL_QUEUE: BatchStatus = 'AWAITING_APPROVAL';

/** Rows the apply reached (applied or refused): their account's email as it is now is worth showing. */
export const ROW_APPLY_REACHED: Record<RowApplyStatus, boolean> = {
  NOT_APPLICABLE: false,
  PENDING: false,
  APPLIED: true,
  CONFLICT: true,
  FAILED: false,
  ROLLED_BACK: true,
  ROLLBACK_CONFLICT: true,
};

/** Every row apply status, in the order the review's filter lists them. */
export const ROW_APPLY_STATUSES = Object.keys(ROW_APPLY_REACHED) as RowApplyStatus[];
