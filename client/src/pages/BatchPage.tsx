import { useEffect, useMemo, useRef } from 'react';
import { useMutation, useQuery, useSubscription } from 'urql';
import { ApprovalPanel } from '../components/batch/ApprovalPanel';
import { BatchTimeline } from '../components/batch/BatchTimeline';
import { ConfirmSection as Confirm, NothingToApply } from '../components/batch/Confirm';
import { FileErrorPanel } from '../components/batch/FileErrorPanel';
import { ApplyProgress, ValidationProgress } from '../components/batch/Progress';
import { Completion, SummaryCards } from '../components/batch/Review';
import { RollbackSection } from '../components/batch/RollbackDialog';
import { RowsExplorer } from '../components/batch/RowsExplorer';
import { Stepper } from '../components/batch/Stepper';
import { EmptyState, ErrorState, LoadingState, Notice, PageHeader, StatusBadge } from '../components/ui';
import { type Batch, BatchQuery, type BatchRow, BatchUpdatedSubscription, CancelUploadBatchMutation, ProblemRowsSubscription } from '../graphql/documents';
import { useI18n } from '../i18n/i18n';
import { APPLY_STARTED, CANCELABLE, EXPIRES, REVIEWABLE, STREAMS_PROBLEMS, TERMINAL, VIEW_OF_STATUS } from '../lib/batch-status';
import { isFeatureMissing } from '../lib/graphql-client';
import { BATCH_STATUS_ID, takeFocusAfterUpload } from '../lib/hooks';
import { Link } from '../lib/router';
import { useSession } from '../session';

/** The live problem-rows stream shows at most this many rows (the server sends no more). */
const MAX_PROBLEM_ROWS = 5_000;

/** The problem rows streamed so far: a list that only grows, in row order. */
function addProblemRows(previous: BatchRow[] | undefined, incoming: readonly BatchRow[]): BatchRow[] {
  const byNumber = new Map<number, BatchRow>();
  for (const row of previous ?? []) byNumber.set(row.rowNumber, row);
  for (const row of incoming) byNumber.set(row.rowNumber, row);
  return [...byNumber.values()].sort((a, b) => a.rowNumber - b.rowNumber).slice(0, MAX_PROBLEM_ROWS);
}

/** No row adds or replaces an email: there is nothing to confirm. */
export function hasNothingToApply(batch: Batch): boolean {
  return batch.summary.additions + batch.summary.replacements === 0;
}

/**
 * One upload batch. The batch is read from the normalized cache (lib/graphql-cache.ts): the
 * query fills it, the live subscription and every mutation answer (confirm, cancel, approve,
 * decline, roll back) write the same `UploadBatch:<id>` record, and this page re-renders with it.
 */
export function BatchPage({ id }: { id: string }) {
  const { t, dateTime } = useI18n();
  const { isAdmin } = useSession();
  const [query, refetch] = useQuery({ query: BatchQuery, variables: { id }, requestPolicy: 'cache-and-network' });
  const batch = query.data?.uploadBatch ?? null;
  const status = batch?.status ?? null;

  // Writes into the cache; the query above re-renders with each event.
  useSubscription({ query: BatchUpdatedSubscription, variables: { id }, pause: status === null || TERMINAL[status] });
  const [problems] = useSubscription(
    { query: ProblemRowsSubscription, variables: { id }, pause: status === null || !STREAMS_PROBLEMS[status] },
    (previous: BatchRow[] | undefined, event) => addProblemRows(previous, event.uploadBatchProblemRows),
  );
  const problemRows = useMemo(() => problems.data ?? [], [problems.data]);
  const [cancelState, cancel] = useMutation(CancelUploadBatchMutation);

  // After an upload the batch's status takes the focus: it is what the person waits for.
  const statusRef = useRef<HTMLSpanElement>(null);
  const loaded = batch !== null;
  useEffect(() => {
    if (!loaded || !takeFocusAfterUpload(id)) return;
    // After the layout's own focus move to the heading (it runs after this page's effects).
    const frame = window.requestAnimationFrame(() => statusRef.current?.focus());
    return () => window.cancelAnimationFrame(frame);
  }, [loaded, id]);

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

  const view = VIEW_OF_STATUS[batch.status];
  const cancellable = isAdmin && CANCELABLE[batch.status];
  const reviewable = REVIEWABLE[batch.status];
  const nothingToApply = view.confirm && hasNothingToApply(batch);
  const onCancel = async () => {
    if (!window.confirm(t('batch.cancelConfirm'))) return;
    await cancel({ id: batch.id });
  };

  return (
    <>
      <PageHeader
        title={batch.filename || t('batch.title')}
        description={
          <>
            <span id={BATCH_STATUS_ID} ref={statusRef} tabIndex={-1} className="batch-status" role="status">
              <span className="visually-hidden">{t('batch.statusLabel')} </span>
              {nothingToApply ? <span className="badge badge-neutral">{t('batch.nothing.badge')}</span> : <StatusBadge status={batch.status} />}
            </span>{' '}
            <span className="mono">{batch.id}</span> · {t('batch.created', { at: dateTime(batch.createdAt) })}
            {EXPIRES[batch.status] ? ` · ${t('batch.expires', { at: dateTime(batch.expiresAt) })}` : null}
          </>
        }
        actions={
          <>
            <Link to="/batches" className="button button-ghost">
              {t('batch.backToList')}
            </Link>
            {cancellable ? (
              <button type="button" className="button" disabled={cancelState.fetching} onClick={onCancel}>
                {t('batch.cancel')}
              </button>
            ) : null}
          </>
        }
      />
      {cancelState.error ? <ErrorState error={cancelState.error} /> : null}
      <Stepper status={batch.status} />

      {view.awaitingUpload ? (
        <Notice title={t('batch.awaiting.title')}>
          <p>{t('batch.awaiting.body')}</p>
          <Link to="/batches/new">{t('batch.awaiting.restart')}</Link>
        </Notice>
      ) : null}
      {view.validating ? <ValidationProgress batch={batch} problemRows={problemRows} /> : null}
      {view.rejected ? batch.fileError ? <FileErrorPanel error={batch.fileError} /> : <Notice tone="danger" title={t('fileError.title')} /> : null}
      {view.endedNotice ? <Notice title={t(view.endedNotice)} /> : null}
      {view.failed ? (
        <Notice tone="danger" title={t('batch.failed')}>
          <p>{batch.failureMessage || batch.fileError?.message || t('batch.failedHint')}</p>
        </Notice>
      ) : null}

      {view.applying ? <ApplyProgress batch={batch} /> : null}
      {view.completed ? <Completion batch={batch} /> : null}
      {view.approval ? <ApprovalPanel batch={batch} /> : null}
      {view.rollback ? <RollbackSection batch={batch} /> : null}
      {nothingToApply ? <NothingToApply batch={batch} canCancel={cancellable} canceling={cancelState.fetching} onCancel={onCancel} /> : null}
      {reviewable ? <SummaryCards batch={batch} /> : null}
      {view.confirm && !nothingToApply ? <Confirm batch={batch} /> : null}
      {reviewable ? <RowsExplorer batch={batch} showApply={APPLY_STARTED[batch.status]} /> : null}
      <BatchTimeline id={batch.id} status={batch.status} />
    </>
  );
}
