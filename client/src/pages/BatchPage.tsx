import { useCallback, useMemo, useState } from 'react';
import { useMutation, useQuery, useSubscription } from 'urql';
import { BatchTimeline } from '../components/batch/BatchTimeline';
import { ApprovalPanel } from '../components/batch/ApprovalPanel';
import { ConfirmSection as Confirm } from '../components/batch/Confirm';
import { FileErrorPanel } from '../components/batch/FileErrorPanel';
import { ApplyProgress, ValidationProgress } from '../components/batch/Progress';
import { Completion, SummaryCards } from '../components/batch/Review';
import { RollbackSection } from '../components/batch/RollbackDialog';
import { RowsExplorer } from '../components/batch/RowsExplorer';
import { Stepper } from '../components/batch/Stepper';
import { EmptyState, ErrorState, LoadingState, Notice, PageHeader, StatusBadge } from '../components/ui';
import {
  type Batch,
  BatchQuery,
  type BatchRow,
  BatchUpdatedSubscription,
  CancelUploadBatchMutation,
  ProblemRowsSubscription,
} from '../graphql/documents';
import { useI18n } from '../i18n/i18n';
import { APPLY_STARTED, CANCELABLE, EXPIRES, RANK, REVIEWABLE, TERMINAL } from '../lib/batch-status';
import { isFeatureMissing } from '../lib/graphql-client';
import { Link } from '../lib/router';
import { useSession } from '../session';

const MAX_PROBLEM_ROWS = 5_000;

/** The most advanced of several snapshots of one batch (query, subscription, mutation answers). */
function newest(...candidates: (Batch | null | undefined)[]): Batch | null {
  let best: Batch | null = null;
  const progress = (b: Batch) =>
    b.summary.processedRows + b.summary.applied + b.summary.conflicts + b.summary.failed + b.summary.rolledBack + b.summary.rollbackConflicts;
  for (const c of candidates) {
    if (!c) continue;
    // On a tie the later candidate wins: the subscription's snapshot comes last, and a row edited in
    // the review changes the counts without moving the batch forward.
    if (!best || RANK[c.status] > RANK[best.status] || (RANK[c.status] === RANK[best.status] && progress(c) >= progress(best))) best = c;
  }
  return best;
}

function mergeRows(previous: BatchRow[] | undefined, incoming: readonly BatchRow[]): BatchRow[] {
  const byNumber = new Map<number, BatchRow>();
  for (const row of previous ?? []) byNumber.set(row.rowNumber, row);
  for (const row of incoming) byNumber.set(row.rowNumber, row);
  return [...byNumber.values()].sort((a, b) => a.rowNumber - b.rowNumber).slice(0, MAX_PROBLEM_ROWS);
}

export function BatchPage({ id }: { id: string }) {
  const { t, dateTime } = useI18n();
  const { isAdmin } = useSession();
  const [query, refetch] = useQuery({ query: BatchQuery, variables: { id }, requestPolicy: 'network-only' });
  const [local, setLocal] = useState<Batch | null>(null);
  const queried = query.data?.uploadBatch ?? null;
  const known = newest(queried, local);
  const terminal = known ? TERMINAL[known.status] : false;

  const [updates] = useSubscription(
    { query: BatchUpdatedSubscription, variables: { id }, pause: !queried || terminal },
    (_previous: Batch | undefined, event) => event.uploadBatchUpdated,
  );
  const batch = newest(queried, local, updates.data);
  const validating = batch?.status === 'AWAITING_UPLOAD' || batch?.status === 'VALIDATING';

  const [problems] = useSubscription(
    { query: ProblemRowsSubscription, variables: { id }, pause: !queried || !validating },
    (previous: BatchRow[] | undefined, event) => mergeRows(previous, event.uploadBatchProblemRows),
  );

  const [cancelState, cancel] = useMutation(CancelUploadBatchMutation);
  const onConfirmed = useCallback((b: Batch) => setLocal(b), []);
  const problemRows = useMemo(() => problems.data ?? [], [problems.data]);

  if (isFeatureMissing(query.error)) {
    return (
      <>
        <PageHeader title={t('batch.title')} />
        <Notice title={t('feature.batches.missing.title')}>{t('feature.batches.missing.body')}</Notice>
      </>
    );
  }
  if (query.error && !batch) return <ErrorState error={query.error} onRetry={() => refetch({ requestPolicy: 'network-only' })} />;
  if (!batch) {
    if (query.fetching || !query.data) return <LoadingState />;
    return (
      <>
        <PageHeader title={t('batch.notFound.title')} />
        <EmptyState
          title={t('batch.notFound.body')}
          action={
            <Link to="/batches" className="button">
              {t('batch.backToList')}
            </Link>
          }
        />
      </>
    );
  }

  const cancellable = isAdmin && CANCELABLE[batch.status];
  const reviewable = REVIEWABLE[batch.status];
  const applied = APPLY_STARTED[batch.status];

  return (
    <>
      <PageHeader
        title={batch.filename || t('batch.title')}
        description={
          <>
            <StatusBadge status={batch.status} /> <span className="mono">{batch.id}</span> ·{' '}
            {t('batch.created', { at: dateTime(batch.createdAt) })}
            {EXPIRES[batch.status] ? ` · ${t('batch.expires', { at: dateTime(batch.expiresAt) })}` : null}
          </>
        }
        actions={
          <>
            <Link to="/batches" className="button button-ghost">
              {t('batch.backToList')}
            </Link>
            {cancellable ? (
              <button
                type="button"
                className="button"
                disabled={cancelState.fetching}
                onClick={async () => {
                  if (!window.confirm(t('batch.cancelConfirm'))) return;
                  const result = await cancel({ id: batch.id });
                  if (result.data) setLocal(result.data.cancelUploadBatch);
                }}
              >
                {t('batch.cancel')}
              </button>
            ) : null}
          </>
        }
      />
      {cancelState.error ? <ErrorState error={cancelState.error} /> : null}
      <Stepper status={batch.status} />

      {batch.status === 'AWAITING_UPLOAD' ? (
        <Notice title={t('batch.awaiting.title')}>
          <p>{t('batch.awaiting.body')}</p>
          <Link to="/batches/new">{t('batch.awaiting.restart')}</Link>
        </Notice>
      ) : null}
      {batch.status === 'VALIDATING' ? <ValidationProgress batch={batch} problemRows={problemRows} /> : null}
      {batch.status === 'REJECTED' && batch.fileError ? <FileErrorPanel error={batch.fileError} /> : null}
      {batch.status === 'REJECTED' && !batch.fileError ? <Notice tone="danger" title={t('fileError.title')} /> : null}
      {batch.status === 'CANCELED' ? <Notice title={t('batch.canceled')} /> : null}
      {batch.status === 'EXPIRED' ? <Notice title={t('batch.expired')} /> : null}
      {batch.status === 'FAILED' ? (
        <Notice tone="danger" title={t('batch.failed')}>
          <p>{batch.failureMessage || batch.fileError?.message || t('batch.failedHint')}</p>
        </Notice>
      ) : null}

      {batch.status === 'APPLYING' ? <ApplyProgress batch={batch} /> : null}
      {batch.status === 'COMPLETED' ? <Completion batch={batch} /> : null}
      {batch.status === 'AWAITING_APPROVAL' || batch.status === 'DECLINED' ? <ApprovalPanel batch={batch} onChanged={onConfirmed} /> : null}
      {batch.status === 'COMPLETED' || batch.status === 'ROLLING_BACK' || batch.status === 'ROLLED_BACK' ? (
        <RollbackSection batch={batch} onStarted={onConfirmed} />
      ) : null}
      {reviewable ? <SummaryCards batch={batch} /> : null}
      {batch.status === 'VALIDATED' ? <Confirm batch={batch} onConfirmed={onConfirmed} /> : null}
      {reviewable ? <RowsExplorer batch={batch} showApply={applied} /> : null}
      <BatchTimeline id={batch.id} status={batch.status} />
    </>
  );
}
