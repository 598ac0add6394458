import type { BatchStatus } from './batch-status.js';

/**
 * Who may trigger a transition: `admin` an ADMIN (dashboard user or API key),
 * `approver` an ADMIN dashboard user other than the one who asked for approval,
 * `system` a job or a sweep (never a caller of the API).
 */
export type TransitionActor = 'admin' | 'approver' | 'system';

export interface Transition {
  readonly from: readonly BatchStatus[];
  readonly to: BatchStatus;
  readonly by: TransitionActor;
}

/**
 * Every status change a batch can make: the one table the store guards its
 * writes with (`update … where status in (from)`). ARCHITECTURE.md draws it.
 */
export const TRANSITIONS = {
  upload: { from: ['AWAITING_UPLOAD'], to: 'VALIDATING', by: 'admin' },
  validate: { from: ['VALIDATING'], to: 'VALIDATED', by: 'system' },
  reject: { from: ['VALIDATING'], to: 'REJECTED', by: 'system' },
  confirm: { from: ['VALIDATED'], to: 'APPLYING', by: 'admin' },
  requestApproval: { from: ['VALIDATED'], to: 'AWAITING_APPROVAL', by: 'admin' },
  approve: { from: ['AWAITING_APPROVAL'], to: 'APPLYING', by: 'approver' },
  decline: { from: ['AWAITING_APPROVAL'], to: 'DECLINED', by: 'approver' },
  complete: { from: ['APPLYING'], to: 'COMPLETED', by: 'system' },
  rollback: { from: ['COMPLETED'], to: 'ROLLING_BACK', by: 'admin' },
  finishRollback: { from: ['ROLLING_BACK'], to: 'ROLLED_BACK', by: 'system' },
  cancel: { from: ['AWAITING_UPLOAD', 'VALIDATING', 'VALIDATED', 'AWAITING_APPROVAL'], to: 'CANCELED', by: 'admin' },
  expire: { from: ['AWAITING_UPLOAD', 'VALIDATED', 'AWAITING_APPROVAL'], to: 'EXPIRED', by: 'system' },
  fail: { from: ['VALIDATING', 'APPLYING', 'ROLLING_BACK'], to: 'FAILED', by: 'system' },
} as const satisfies Record<string, Transition>;

export type BatchAction = keyof typeof TRANSITIONS;

/**
 * Where a run of work ends: subscriptions complete there. All are final but
 * COMPLETED, which an ADMIN may still roll back (a new subscription follows that).
 */
export const TERMINAL_STATUSES: ReadonlySet<BatchStatus> = new Set([
  'REJECTED',
  'DECLINED',
  'COMPLETED',
  'ROLLED_BACK',
  'CANCELED',
  'EXPIRED',
  'FAILED',
]);

/**
 * Ended without changing any account: after the expiry period their rows are
 * purged (the batch and its history stay). REJECTED and EXPIRED have none by then.
 */
export const PURGEABLE_STATUSES: readonly BatchStatus[] = ['REJECTED', 'FAILED', 'CANCELED', 'DECLINED', 'EXPIRED'];

/**
 * Retention's line: a batch last changed before it has been left alone for the expiry period
 * (`expiryDays`, BATCH_EXPIRY_DAYS). Its rows are purged if it is purgeable; its search index is
 * dropped, and not built again.
 */
export function retentionCutoff(now: Date, expiryDays: number): Date {
  return new Date(now.getTime() - expiryDays * 86_400_000);
}

export function isTerminal(status: BatchStatus): boolean {
  return TERMINAL_STATUSES.has(status);
}

/** Whether `action` may move a batch that is `status` now. */
export function canTransition(status: BatchStatus, action: BatchAction): boolean {
  return (TRANSITIONS[action].from as readonly BatchStatus[]).includes(status);
}
