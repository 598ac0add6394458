import { useEffect, useId, useRef, useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { type Batch, ConfirmUploadBatchMutation, WebhookCountQuery } from '../../graphql/documents';
import { useI18n } from '../../i18n/i18n';
import { isFeatureMissing } from '../../lib/graphql-client';
import { useReturnFocus } from '../../lib/hooks';
import { useSession } from '../../session';
import { Notice, Spinner } from '../ui';

/**
 * Step 5: states exactly what confirming does, then confirms. Admins only; viewers see the
 * button disabled with the reason.
 */
export function ConfirmSection({ batch }: { batch: Batch }) {
  const { t, tn, number } = useI18n();
  const { isAdmin, viewer } = useSession();
  const [open, setOpen] = useState(false);
  const { trigger, returnFocus } = useReturnFocus<HTMLButtonElement>();
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
          ref={trigger}
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
      {open ? (
        <ConfirmDialog
          batch={batch}
          onClose={(done) => {
            setOpen(false);
            returnFocus(done);
          }}
        />
      ) : null}
    </section>
  );
}

function ConfirmDialog({ batch, onClose }: { batch: Batch; onClose(done?: boolean): void }) {
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
    // The answer updates the cached batch (lib/graphql-cache.ts): the page moves on by itself.
    const result = await confirm({ id: batch.id });
    if (result.data) onClose(true);
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
        <button type="button" className="button" onClick={() => onClose()} disabled={fetching}>
          {t('common.cancel')}
        </button>
        <button type="button" className="button button-primary" onClick={submit} disabled={fetching} aria-busy={fetching}>
          {fetching ? <Spinner label={t('confirm.submitting')} /> : t('confirm.submit', { count: number(changes) })}
        </button>
      </div>
    </dialog>
  );
}

/**
 * Validation ended and no row adds or replaces an email: there is nothing to confirm. Said at
 * once, with what to do instead: read the report (why each row is not applied) or cancel.
 */
export function NothingToApply({
  batch,
  canCancel,
  canceling,
  onCancel,
}: { batch: Batch; canCancel: boolean; canceling: boolean; onCancel(): void }) {
  const { t, tn, number, dateTime } = useI18n();
  const s = batch.summary;
  return (
    <section className="section nothing-to-apply" aria-labelledby="nothing-title">
      <Notice tone="warning">
        <h2 id="nothing-title" className="notice-title">
          {t('batch.nothing.title')}
        </h2>
        <p>{tn('batch.nothing.body', s.totalRows, { rows: number(s.totalRows) })}</p>
        <p className="muted">{t('batch.nothing.expires', { at: dateTime(batch.expiresAt) })}</p>
        <div className="actions">
          {batch.errorReportUrl ? (
            <a className="button button-primary" href={batch.errorReportUrl} download>
              {t('batch.nothing.report')}
            </a>
          ) : null}
          {canCancel ? (
            <button type="button" className="button" disabled={canceling} onClick={onCancel}>
              {t('batch.cancel')}
            </button>
          ) : null}
        </div>
      </Notice>
    </section>
  );
}
