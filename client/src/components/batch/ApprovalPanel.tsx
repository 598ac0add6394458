import { useEffect, useId, useRef, useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { ApproveUploadBatchMutation, BatchHistoryQuery, DeclineUploadBatchMutation } from '../../graphql/approval-documents';
import type { Batch } from '../../graphql/documents';
import { useI18n } from '../../i18n/i18n';
import { APPROVAL_STAGE } from '../../lib/batch-status';
import { focusBatchStatus } from '../../lib/hooks';
import { useSession } from '../../session';
import { Notice, Spinner } from '../ui';

/**
 * A batch awaiting approval: who asked and when (from the history), why, and
 * Approve / Decline for an admin other than the requester; the requester and
 * viewers are told who may decide. A declined batch shows who declined and why.
 */
export function ApprovalPanel({ batch }: { batch: Batch }) {
  const { t, dateTime } = useI18n();
  const { isAdmin, viewer } = useSession();
  const [history, refetch] = useQuery({ query: BatchHistoryQuery, variables: { id: batch.id }, requestPolicy: 'network-only' });
  // biome-ignore lint/correctness/useExhaustiveDependencies: the history grows when the status changes
  useEffect(() => refetch({ requestPolicy: 'network-only' }), [batch.status]);
  const entries = history.data?.uploadBatch?.history ?? [];
  const asked = [...entries].reverse().find((h) => APPROVAL_STAGE[h.status] === 'asked');
  const declined = [...entries].reverse().find((h) => APPROVAL_STAGE[h.status] === 'declined');

  if (APPROVAL_STAGE[batch.status] === 'declined') {
    return (
      <Notice title={t('approval.declinedTitle')}>
        {declined ? <p>{t('approval.declinedBy', { by: declined.by ?? '—', at: dateTime(declined.at) })}</p> : null}
        {declined?.note ? <p className="decline-reason">{t('approval.declinedReason', { note: declined.note })}</p> : null}
      </Notice>
    );
  }

  const requester = asked?.by ?? null;
  const isRequester = requester !== null && viewer.email !== null && requester.toLowerCase() === viewer.email.toLowerCase();
  const canDecide = isAdmin && viewer.kind === 'USER' && !isRequester;

  return (
    <section className="section card card-highlight approval-panel" aria-labelledby="approval-title">
      <h2 id="approval-title">{t('approval.title')}</h2>
      {history.fetching && !asked ? <Spinner label={t('common.loading')} /> : null}
      {asked ? (
        <p className="approval-asked">
          {t('approval.askedBy', { by: requester ?? '—', at: dateTime(asked.at) })} {t('approval.expires', { at: dateTime(batch.expiresAt) })}
        </p>
      ) : null}
      {asked?.note ? <p className="muted">{t('approval.reason', { note: asked.note })}</p> : null}
      {isRequester ? (
        <Notice tone="warning">
          <p>{t('approval.explainRequester', { platform: viewer.platform.name })}</p>
        </Notice>
      ) : !canDecide ? (
        <p className="muted">{t('approval.explainViewer')}</p>
      ) : (
        <Decide batch={batch} />
      )}
    </section>
  );
}

/** Approve or decline. Either answer updates the cached batch: the page moves on by itself. */
function Decide({ batch }: { batch: Batch }) {
  const { t } = useI18n();
  const reasonId = useId();
  const hintId = useId();
  const [reason, setReason] = useState('');
  const [missingReason, setMissingReason] = useState(false);
  const reasonRef = useRef<HTMLTextAreaElement>(null);
  const [approveState, approve] = useMutation(ApproveUploadBatchMutation);
  const [declineState, decline] = useMutation(DeclineUploadBatchMutation);
  const busy = approveState.fetching || declineState.fetching;
  const error = approveState.error ?? declineState.error;

  return (
    <>
      <p>{t('approval.explainAdmin')}</p>
      <div className="actions">
        <button
          type="button"
          className="button button-primary"
          disabled={busy}
          onClick={async () => {
            if (!window.confirm(t('approval.approveConfirm'))) return;
            const result = await approve({ id: batch.id });
            if (result.data) focusBatchStatus();
          }}
        >
          {approveState.fetching ? <Spinner label={t('approval.approving')} /> : t('approval.approve')}
        </button>
      </div>
      <form
        className="decline-form"
        onSubmit={async (event) => {
          event.preventDefault();
          if (reason.trim() === '') {
            setMissingReason(true);
            // The keyboard lands where the missing reason goes.
            reasonRef.current?.focus();
            return;
          }
          const result = await decline({ id: batch.id, reason });
          if (result.data) focusBatchStatus();
        }}
      >
        <label htmlFor={reasonId}>{t('approval.declineLabel')}</label>
        <textarea
          ref={reasonRef}
          id={reasonId}
          rows={2}
          maxLength={1000}
          value={reason}
          aria-describedby={hintId}
          aria-invalid={missingReason || undefined}
          onChange={(event) => {
            setReason(event.target.value);
            setMissingReason(false);
          }}
        />
        <p id={hintId} className={missingReason ? 'field-error' : 'muted small'} role={missingReason ? 'alert' : undefined}>
          {missingReason ? t('approval.reasonRequired') : t('approval.declineHint')}
        </p>
        <button type="submit" className="button button-danger decline-submit" disabled={busy}>
          {declineState.fetching ? <Spinner label={t('approval.declining')} /> : t('approval.decline')}
        </button>
      </form>
      {error ? (
        <p className="notice notice-danger" role="alert">
          {error.graphQLErrors[0]?.message ?? t('common.networkError')}
        </p>
      ) : null}
    </>
  );
}
