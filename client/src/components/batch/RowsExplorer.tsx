import { useCallback, useId, useMemo, useState } from 'react';
import { useMutation } from 'urql';
import {
  type Batch,
  type BatchRow,
  type BatchRowFilter,
  EditBatchRowMutation,
  type RowApplyStatus,
  type RowChange,
  type RowIssueCode,
} from '../../graphql/documents';
import { useSession } from '../../session';
import { useI18n } from '../../i18n/i18n';
import { setSearchParams, useLocation } from '../../lib/router';
import { ErrorState } from '../ui';
import { useBatchRows, VirtualRows } from './RowsTable';

export const CHANGES: readonly RowChange[] = ['ADD', 'REPLACE', 'UNCHANGED', 'SKIPPED', 'INVALID'];
export const ERROR_CODES: readonly RowIssueCode[] = ['INVALID_ACCOUNT_ID', 'UNKNOWN_ACCOUNT', 'ACCOUNT_NOT_ELIGIBLE', 'INVALID_EMAIL', 'DUPLICATE_ACCOUNT'];
export const WARNING_CODES: readonly RowIssueCode[] = [
  'NAME_MISMATCH',
  'CLAIMED_EMAIL_REPLACED',
  'EMAIL_DOMAIN_TYPO',
  'DISPOSABLE_EMAIL',
  'ROLE_EMAIL',
  'SHARED_EMAIL',
  'EMAIL_DOMAIN_UNRESOLVABLE',
];
export const APPLY_STATUSES: readonly RowApplyStatus[] = ['NOT_APPLICABLE', 'PENDING', 'APPLIED', 'CONFLICT', 'FAILED', 'ROLLED_BACK', 'ROLLBACK_CONFLICT'];

/** Issue filter values: one code, or every error / every warning code. */
type IssueChoice = RowIssueCode | 'ERRORS' | 'WARNINGS';

function parseChange(value: string | null): RowChange | null {
  return CHANGES.find((c) => c === value) ?? null;
}
function parseIssue(value: string | null): IssueChoice | null {
  if (value === 'ERRORS' || value === 'WARNINGS') return value;
  return [...ERROR_CODES, ...WARNING_CODES].find((c) => c === value) ?? null;
}
function parseApply(value: string | null): RowApplyStatus | null {
  return APPLY_STATUSES.find((c) => c === value) ?? null;
}

export interface RowFilterState {
  change: RowChange | null;
  issue: IssueChoice | null;
  apply: RowApplyStatus | null;
}

/** The rows filter lives in the URL (?change=…&issue=…&apply=…), so a filtered view can be linked. */
export function useRowFilter(): RowFilterState {
  const { search } = useLocation();
  return {
    change: parseChange(search.get('change')),
    issue: parseIssue(search.get('issue')),
    apply: parseApply(search.get('apply')),
  };
}

export function setRowFilter(update: Partial<Record<keyof RowFilterState, string | null>>): void {
  setSearchParams(update);
}

/** Review table: every row of the batch, filtered on the server, loaded as the list scrolls. */
export function RowsExplorer({ batch, showApply }: { batch: Batch; showApply: boolean }) {
  const { t } = useI18n();
  const { change, issue, apply } = useRowFilter();
  const changeId = useId();
  const issueId = useId();
  const applyId = useId();

  const filter = useMemo<BatchRowFilter>(() => {
    const f: BatchRowFilter = {};
    if (change) f.changes = [change];
    if (issue === 'ERRORS') f.issueCodes = [...ERROR_CODES];
    else if (issue === 'WARNINGS') f.issueCodes = [...WARNING_CODES];
    else if (issue) f.issueCodes = [issue];
    if (apply && showApply) f.applyStatuses = [apply];
    return f;
  }, [change, issue, apply, showApply]);

  // Apply statuses change while applying: reload when the batch moves on.
  const reloadKey = batch.status;
  const page = useBatchRows(batch.id, filter, reloadKey);
  const filtered = Boolean(change || issue || (apply && showApply));
  const { isAdmin } = useSession();
  const [, editRow] = useMutation(EditBatchRowMutation);
  const [editStatus, setEditStatus] = useState('');
  const { patch, refreshLoaded } = page;
  const onEdit = useCallback(
    async (row: BatchRow, email: string): Promise<boolean> => {
      const result = await editRow({ batchId: batch.id, rowNumber: row.rowNumber, email: email.trim() === '' ? null : email });
      const updated = result.data?.editBatchRow;
      if (!updated) {
        const message = result.error?.graphQLErrors[0]?.message ?? result.error?.message ?? '';
        setEditStatus(t('rows.edit.failed', { row: row.rowNumber, message }));
        return false;
      }
      patch(updated);
      setEditStatus(t('rows.edit.saved', { row: row.rowNumber, change: t(`change.${updated.change}`) }));
      // Other rows may have changed with it (a duplicate or a shared email that stops being one).
      void refreshLoaded();
      return true;
    },
    [editRow, batch.id, patch, refreshLoaded, t],
  );
  const editable = isAdmin && batch.status === 'VALIDATED';

  return (
    <section className="section" aria-labelledby="rows-title" id="rows">
      <div className="section-header">
        <h2 id="rows-title" tabIndex={-1}>{t('rows.title')}</h2>
        <div className="actions">
          {batch.fixFileUrl && batch.summary.invalid + batch.summary.warnings + batch.summary.conflicts + batch.summary.failed > 0 ? (
            <a className="button" href={batch.fixFileUrl} download title={t('rows.fixFileHint')}>
              {t('rows.downloadFixFile')}
            </a>
          ) : null}
          {batch.errorReportUrl ? (
            <a className="button" href={batch.errorReportUrl} download>
              {t('rows.downloadReport')}
            </a>
          ) : null}
        </div>
      </div>
      <div className="toolbar">
        <div className="field">
          <label htmlFor={changeId}>{t('rows.filter.change')}</label>
          <select id={changeId} value={change ?? ''} onChange={(e) => setRowFilter({ change: e.target.value || null })}>
            <option value="">{t('rows.filter.all')}</option>
            {CHANGES.map((c) => (
              <option key={c} value={c}>
                {t(`change.${c}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={issueId}>{t('rows.filter.issue')}</label>
          <select id={issueId} value={issue ?? ''} onChange={(e) => setRowFilter({ issue: e.target.value || null })}>
            <option value="">{t('rows.filter.all')}</option>
            <option value="ERRORS">{t('rows.filter.anyError')}</option>
            <option value="WARNINGS">{t('rows.filter.anyWarning')}</option>
            <optgroup label={t('rows.filter.errors')}>
              {ERROR_CODES.map((c) => (
                <option key={c} value={c}>
                  {t(`issue.${c}`)}
                </option>
              ))}
            </optgroup>
            <optgroup label={t('rows.filter.warnings')}>
              {WARNING_CODES.map((c) => (
                <option key={c} value={c}>
                  {t(`issue.${c}`)}
                </option>
              ))}
            </optgroup>
          </select>
        </div>
        {showApply ? (
          <div className="field">
            <label htmlFor={applyId}>{t('rows.filter.apply')}</label>
            <select id={applyId} value={apply ?? ''} onChange={(e) => setRowFilter({ apply: e.target.value || null })}>
              <option value="">{t('rows.filter.all')}</option>
              {APPLY_STATUSES.map((c) => (
                <option key={c} value={c}>
                  {t(`applyStatus.${c}`)}
                </option>
              ))}
            </select>
          </div>
        ) : null}
        {filtered ? (
          <button type="button" className="button button-ghost" onClick={() => setRowFilter({ change: null, issue: null, apply: null })}>
            {t('rows.filter.clear')}
          </button>
        ) : null}
        <button type="button" className="button button-ghost" onClick={page.reload}>
          {t('common.refresh')}
        </button>
      </div>
      {page.error ? <ErrorState error={page.error} onRetry={page.reload} /> : null}
      <VirtualRows
        rows={page.rows}
        total={page.total}
        hasMore={page.hasMore && !page.error}
        loading={page.loading}
        onNeedMore={page.loadMore}
        showApply={showApply}
        label={t('rows.title')}
        onEdit={editable ? onEdit : undefined}
      />
      <p className="small muted vrows-edit-status" role="status" aria-live="polite">
        {editStatus}
      </p>
    </section>
  );
}
