import { ROW_APPLY_REACHED } from '../../lib/batch-status';
import { type KeyboardEvent, useEffect, useId, useRef } from 'react';
import { useQuery } from 'urql';
import { RowDetailQuery } from '../../graphql/review-documents';
import { useI18n } from '../../i18n/i18n';
import { issueMessage } from '../../lib/issue-message';
import { ErrorState, Spinner } from '../ui';
import { SeverityIcon } from './RowsTable';

/**
 * One row in a side sheet (a modal dialog): current and new values, every issue in words with its
 * suggestion, the apply status and, once applied, the account's email as it is now. Escape or
 * Close ends it; the caller gives the focus back to the row.
 */
export function RowDetail({ batchId, rowNumber, showApply, onClose }: { batchId: string; rowNumber: number; showApply: boolean; onClose: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const titleId = useId();
  const sheetRef = useRef<HTMLDivElement>(null);
  const closeRef = useRef<HTMLButtonElement>(null);
  const [result] = useQuery({ query: RowDetailQuery, variables: { id: batchId, rowNumber }, requestPolicy: 'network-only' });
  const row = result.data?.uploadBatch?.row ?? null;

  useEffect(() => {
    closeRef.current?.focus();
  }, []);

  // A modal sheet keeps Tab inside it; Escape closes.
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      onClose();
      return;
    }
    if (e.key !== 'Tab') return;
    const focusables = sheetRef.current?.querySelectorAll<HTMLElement>('a[href], button:not([disabled]), input, select, [tabindex="0"]');
    if (!focusables || focusables.length === 0) return;
    const firstEl = focusables[0];
    const lastEl = focusables[focusables.length - 1];
    if (e.shiftKey && document.activeElement === firstEl) {
      e.preventDefault();
      lastEl.focus();
    } else if (!e.shiftKey && document.activeElement === lastEl) {
      e.preventDefault();
      firstEl.focus();
    }
  };

  const applied = row && ROW_APPLY_REACHED[row.applyStatus];

  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: a click outside the sheet closes it too; Escape and Close are the keyboard's way
    <div className="rt-sheet-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div ref={sheetRef} className="rt-sheet" role="dialog" aria-modal="true" aria-labelledby={titleId} onKeyDown={onKeyDown}>
        <div className="rt-sheet-head">
          <h2 id={titleId}>{t('review.detail.title', { row: rowNumber })}</h2>
          <button ref={closeRef} type="button" className="button button-ghost" onClick={onClose}>
            {t('review.detail.close')}
          </button>
        </div>
        {result.error ? <ErrorState error={result.error} /> : null}
        {result.fetching && !row ? <Spinner label={t('common.loading')} /> : null}
        {!result.fetching && !result.error && !row ? <p>{t('review.detail.notFound')}</p> : null}
        {row ? (
          <>
            <dl className="rt-dl">
              <dt>{t('review.detail.account')}</dt>
              <dd>
                {row.businessName ? <span className="rt-block">{row.businessName}</span> : null}
                <span className="mono rt-wrap">{row.accountId || '—'}</span>
              </dd>
              <dt>{t('review.detail.current')}</dt>
              <dd className="rt-wrap">{row.currentEmail || <span className="muted">{t('rows.noEmail')}</span>}</dd>
              <dt>{t('review.detail.new')}</dt>
              <dd className="rt-wrap">{row.newEmail || <span className="muted">{t('rows.blankEmail')}</span>}</dd>
              {row.fileEmail !== null && row.fileEmail !== undefined ? (
                <>
                  <dt>{t('review.detail.fileEmail')}</dt>
                  <dd className="rt-wrap">{row.fileEmail || <span className="muted">{t('rows.fileEmailBlank')}</span>}</dd>
                </>
              ) : null}
              <dt>{t('review.detail.change')}</dt>
              <dd>
                <span className={`chip chip-${row.change.toLowerCase()}`}>{t(`change.${row.change}`)}</span>
              </dd>
              {showApply ? (
                <>
                  <dt>{t('review.detail.apply')}</dt>
                  <dd>
                    <span className={`chip chip-apply-${row.applyStatus.toLowerCase()}`}>{t(`applyStatus.${row.applyStatus}`)}</span>
                  </dd>
                </>
              ) : null}
              {applied ? (
                <>
                  <dt>{t('review.detail.emailNow')}</dt>
                  <dd className="rt-wrap" data-testid="email-now">
                    {row.accountEmail || <span className="muted">{t('review.detail.emailNowNone')}</span>}
                  </dd>
                </>
              ) : null}
            </dl>
            <h3>{t('review.detail.issues')}</h3>
            {row.issues.length === 0 ? (
              <p className="muted">{t('review.detail.noIssues')}</p>
            ) : (
              <ul className="rt-issue-list">
                {row.issues.map((issue) => (
                  <li key={issue.code}>
                    <SeverityIcon severity={issue.severity} />
                    <div>
                      <strong>{t(`issue.${issue.code}`)}</strong>
                      <p>{issueMessage(issue, i18n)}</p>
                      {issue.suggestion ? <p className="rt-wrap">{t('review.suggestion', { value: issue.suggestion })}</p> : null}
                    </div>
                  </li>
                ))}
              </ul>
            )}
          </>
        ) : null}
      </div>
    </div>
  );
}
