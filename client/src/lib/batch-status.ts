import type { BatchStatus } from '../graphql/documents';

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

/** How far along the flow a status is: of two snapshots of a batch, the further one is the newer. */
export const RANK: Record<BatchStatus, number> = {
  AWAITING_UPLOAD: 0,
  VALIDATING: 1,
  VALIDATED: 2,
  AWAITING_APPROVAL: 3,
  APPLYING: 4,
  REJECTED: 5,
  DECLINED: 5,
  CANCELED: 5,
  EXPIRED: 5,
  COMPLETED: 5,
  FAILED: 6,
  ROLLING_BACK: 7,
  ROLLED_BACK: 8,
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
