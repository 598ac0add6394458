import { useEffect, useId, useRef, useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { type Batch, ConfirmUploadBatchMutation, WebhookCountQuery } from '../../graphql/documents';
import { useI18n } from '../../i18n/i18n';
import { isFeatureMissing } from '../../lib/graphql-client';
import { useSession } from '../../session';
import { Spinner } from '../ui';

/**
 * Step 5: states exactly what confirming does, then confirms. Admins only; viewers see the
 * button disabled with the reason.
 */
export function ConfirmSection({ batch, onConfirmed }: { batch: Batch; onConfirmed(batch: Batch): void }) {
  const { t, tn, number } = useI18n();
  const { isAdmin, viewer } = useSession();
  const [open, setOpen] = useState(false);
  const reasonId = useId();
  const s = batch.summary;
  const changes = s.additions + s.replacements;
  const notApplied = s.unchanged + s.skipped + s.invalid;

  const reason = !isAdmin ? t('confirm.viewerReason', { platform: viewer.platform.name }) : changes === 0 ? t('confirm.nothingReason') : null;

  return (
    <section className="section card card-highlight" aria-labelledby="confirm-title">
      <h2 id="confirm-title">{t('confirm.title')}</h2>
      <p>
        {tn('confirm.lead', changes)} {notApplied > 0 ? tn('confirm.notApplied', notApplied) : null}
      </p>
      <div className="actions">
        <button
          type="button"
          className="button button-primary"
          disabled={reason !== null}
          aria-describedby={reason ? reasonId : undefined}
          onClick={() => setOpen(true)}
        >
          {t('confirm.open', { count: number(changes) })}
        </button>
        {reason ? (
          <p id={reasonId} className="muted reason">
            {reason}
          </p>
        ) : null}
      </div>
      {open ? <ConfirmDialog batch={batch} onClose={() => setOpen(false)} onConfirmed={onConfirmed} /> : null}
    </section>
  );
}

function ConfirmDialog({ batch, onClose, onConfirmed }: { batch: Batch; onClose(): void; onConfirmed(batch: Batch): void }) {
  const { t, tn, number } = useI18n();
  const dialogRef = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const [{ data: hooks, error: hooksError, fetching: hooksLoading }] = useQuery({ query: WebhookCountQuery, requestPolicy: 'network-only' });
  const [{ fetching, error }, confirm] = useMutation(ConfirmUploadBatchMutation);
  const s = batch.summary;
  const changes = s.additions + s.replacements;
  const endpoints = hooks ? hooks.webhookEndpoints.filter((endpoint) => endpoint.enabled).length : null;

  useEffect(() => {
    const dialog = dialogRef.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);

  const submit = async () => {
    const result = await confirm({ id: batch.id });
    if (result.data) {
      onConfirmed(result.data.confirmUploadBatch);
      onClose();
    }
  };

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
      <h2 id={titleId}>{t('confirm.dialogTitle')}</h2>
      <ul className="confirm-list">
        <li>
          <strong>{number(s.additions)}</strong> {tn('confirm.additions', s.additions)}
        </li>
        <li>
          <strong>{number(s.replacements)}</strong> {tn('confirm.replacements', s.replacements)}
        </li>
        <li>
          {hooksLoading ? (
            <Spinner label={t('common.loading')} />
          ) : endpoints === null ? (
            isFeatureMissing(hooksError) || hooksError ? (
              tn('confirm.eventsUnknownEndpoints', changes)
            ) : null
          ) : endpoints === 0 ? (
            tn('confirm.noEndpoints', changes)
          ) : (
            <>
              <strong>{number(endpoints)}</strong> {tn('confirm.endpoints', endpoints, { events: number(changes) })}
            </>
          )}
        </li>
        {s.warnings > 0 ? <li>{tn('confirm.warnings', s.warnings)}</li> : null}
        {s.invalid + s.unchanged + s.skipped > 0 ? <li>{tn('confirm.notApplied', s.invalid + s.unchanged + s.skipped)}</li> : null}
      </ul>
      <p className="muted">{t('confirm.irreversible')}</p>
      {error ? (
        <p className="notice notice-danger" role="alert">
          {error.graphQLErrors[0]?.message ?? t('common.networkError')}
        </p>
      ) : null}
      <div className="dialog-actions">
        <button type="button" className="button" onClick={onClose} disabled={fetching}>
          {t('common.cancel')}
        </button>
        <button type="button" className="button button-primary" onClick={submit} disabled={fetching} aria-busy={fetching}>
          {fetching ? <Spinner label={t('confirm.submitting')} /> : t('confirm.submit', { count: number(changes) })}
        </button>
      </div>
    </dialog>
  );
}
