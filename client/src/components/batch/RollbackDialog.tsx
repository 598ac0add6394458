import { useEffect, useId, useRef, useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { RollbackPreviewQuery, RollbackUploadBatchMutation } from '../../graphql/approval-documents';
import { type Batch, WebhookCountQuery } from '../../graphql/documents';
import { useI18n } from '../../i18n/i18n';
import { ROLLBACK_STAGE } from '../../lib/batch-status';
import { useReturnFocus } from '../../lib/hooks';
import { useSession } from '../../session';
import { Notice, ProgressBar, Spinner } from '../ui';

/**
 * Rollback on the batch page: on a COMPLETED batch "Roll back…" (admins, while
 * the window is open) with the preview; live progress while ROLLING_BACK; the
 * outcome once ROLLED_BACK.
 */
export function RollbackSection({ batch }: { batch: Batch }) {
  const { t, number, percent, dateTime } = useI18n();
  const { isAdmin } = useSession();
  const [open, setOpen] = useState(false);
  const { trigger, returnFocus } = useReturnFocus<HTMLButtonElement>();
  const stage = ROLLBACK_STAGE[batch.status];
  const [preview] = useQuery({ query: RollbackPreviewQuery, variables: { id: batch.id }, requestPolicy: 'network-only', pause: stage !== 'offered' });
  const s = batch.summary;

  if (stage === 'running') {
    const done = s.rolledBack + s.rollbackConflicts;
    const ratio = s.applied > 0 ? done / s.applied : 0;
    return (
      <section className="section card" aria-labelledby="rollback-progress-title">
        <h2 id="rollback-progress-title">{t('rollback.progressTitle')}</h2>
        <ProgressBar
          label={t('rollback.progressLabel')}
          value={done}
          max={s.applied}
          valueText={t('rollback.progressValue', { done: number(done), total: number(s.applied), percent: percent(ratio) })}
        />
      </section>
    );
  }
  if (stage === 'done') {
    return (
      <Notice tone="success" title={t('rollback.doneTitle')}>
        <p>{t('rollback.done', { restored: number(s.rolledBack), conflicts: number(s.rollbackConflicts) })}</p>
      </Notice>
    );
  }
  const p = preview.data?.uploadBatch?.rollbackPreview;
  if (stage !== 'offered' || !p) return null;
  const until = dateTime(p.availableUntil);
  if (!isAdmin) return <p className="muted section">{t('rollback.viewerNote', { until })}</p>;
  return (
    <section className="section card" aria-labelledby="rollback-title">
      <h2 id="rollback-title">{t('rollback.title')}</h2>
      <p>{t('rollback.lead', { until })}</p>
      <div className="actions">
        <button ref={trigger} type="button" className="button" onClick={() => setOpen(true)}>
          {t('rollback.open')}
        </button>
      </div>
      {open ? (
        <RollbackDialog
          batch={batch}
          restorable={p.restorable}
          conflicts={p.conflicts}
          onClose={(done) => {
            setOpen(false);
            returnFocus(done);
          }}
        />
      ) : null}
    </section>
  );
}

function RollbackDialog({
  batch,
  restorable,
  conflicts,
  onClose,
}: { batch: Batch; restorable: number; conflicts: number; onClose(done?: boolean): void }) {
  const { t, tn, number } = useI18n();
  const dialogRef = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const [{ data: hooks, fetching: hooksLoading }] = useQuery({ query: WebhookCountQuery, requestPolicy: 'network-only' });
  const [{ fetching, error }, rollback] = useMutation(RollbackUploadBatchMutation);
  const endpoints = hooks ? hooks.webhookEndpoints.filter((endpoint) => endpoint.enabled).length : null;

  useEffect(() => {
    const dialog = dialogRef.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);

  return (
    <dialog
      ref={dialogRef}
      className="dialog"
      aria-labelledby={titleId}
      onCancel={(event) => {
        if (fetching) event.preventDefault();
        else onClose();
      }}
    >
      <h2 id={titleId}>{t('rollback.dialogTitle')}</h2>
      <ul className="confirm-list">
        <li>
          <strong>{number(restorable)}</strong> {tn('rollback.restorable', restorable)}
        </li>
        <li>
          <strong>{number(conflicts)}</strong> {tn('rollback.conflicts', conflicts)}
        </li>
        <li>
          {hooksLoading || endpoints === null ? (
            <Spinner label={t('common.loading')} />
          ) : endpoints === 0 ? (
            <>
              <strong>{number(restorable)}</strong> {tn('rollback.noEndpoints', restorable)}
            </>
          ) : (
            <>
              <strong>{number(endpoints)}</strong> {tn('rollback.endpoints', endpoints, { events: number(restorable) })}
            </>
          )}
        </li>
      </ul>
      <p className="muted">{t('rollback.once')}</p>
      {error ? (
        <p className="notice notice-danger" role="alert">
          {error.graphQLErrors[0]?.message ?? t('common.networkError')}
        </p>
      ) : null}
      <div className="dialog-actions">
        <button type="button" className="button" onClick={() => onClose()} disabled={fetching}>
          {t('common.cancel')}
        </button>
        <button
          type="button"
          className="button button-danger"
          disabled={fetching}
          aria-busy={fetching}
          onClick={async () => {
            // The answer updates the cached batch: the page shows the rollback's progress by itself.
            const result = await rollback({ id: batch.id });
            if (result.data) onClose(true);
          }}
        >
          {fetching ? <Spinner label={t('rollback.submitting')} /> : t('rollback.submit', { count: number(restorable) })}
        </button>
      </div>
    </dialog>
  );
}
