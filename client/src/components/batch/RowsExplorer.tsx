import { ROW_APPLY_STATUSES, ROWS_EDITABLE } from '../../lib/batch-status';
import { type FormEvent, useCallback, useEffect, useId, useMemo, useRef, useState } from 'react';
import { useClient } from 'urql';
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
import { type BatchRowSort, RowPositionQuery } from '../../graphql/review-documents';
import { ErrorState } from '../ui';
import { RowDetail } from './RowDetail';
import { RowsGrid, useRowWindow } from './RowsTable';

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
export const APPLY_STATUSES: readonly RowApplyStatus[] = ROW_APPLY_STATUSES;
export const SORTS: readonly BatchRowSort[] = ['ROW_NUMBER', 'ROW_NUMBER_DESC', 'CHANGE', 'CHANGE_DESC'];
/** Wait this long after the last key before searching: one request per word, not per letter. */
const SEARCH_DELAY_MS = 300;

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
function parseSort(value: string | null): BatchRowSort {
  return SORTS.find((c) => c === value) ?? 'ROW_NUMBER';
}

export interface RowFilterState {
  change: RowChange | null;
  issue: IssueChoice | null;
  apply: RowApplyStatus | null;
  q: string;
  sort: BatchRowSort;
}

/** The rows filter lives in the URL (?change=…&issue=…&apply=…&q=…&sort=…), so a filtered view can be linked. */
export function useRowFilter(): RowFilterState {
  const { search } = useLocation();
  return {
    change: parseChange(search.get('change')),
    issue: parseIssue(search.get('issue')),
    apply: parseApply(search.get('apply')),
    q: (search.get('q') ?? '').slice(0, 200),
    sort: parseSort(search.get('sort')),
  };
}

export function setRowFilter(update: Partial<Record<keyof RowFilterState, string | null>>): void {
  setSearchParams(update);
}

/** Review table: every row of the batch, filtered, searched and sorted on the server, any row one scroll or jump away. */
export function RowsExplorer({ batch, showApply }: { batch: Batch; showApply: boolean }) {
  const { t, tn } = useI18n();
  const client = useClient();
  const { change, issue, apply, q, sort } = useRowFilter();
  const changeId = useId();
  const issueId = useId();
  const applyId = useId();
  const searchId = useId();
  const sortId = useId();
  const jumpId = useId();

  const filter = useMemo<BatchRowFilter>(() => {
    const f: BatchRowFilter = {};
    if (change) f.changes = [change];
    if (issue === 'ERRORS') f.issueCodes = [...ERROR_CODES];
    else if (issue === 'WARNINGS') f.issueCodes = [...WARNING_CODES];
    else if (issue) f.issueCodes = [issue];
    if (apply && showApply) f.applyStatuses = [apply];
    if (q.trim()) f.search = q.trim();
    return f;
  }, [change, issue, apply, showApply, q]);

  // The search box answers as one types, the URL (and the request) once the typing pauses.
  const [draft, setDraft] = useState(q);
  const typed = useRef(q);
  useEffect(() => {
    if (q !== typed.current) {
      typed.current = q;
      setDraft(q);
    }
  }, [q]);
  useEffect(() => {
    if (draft === typed.current) return;
    const timer = setTimeout(() => {
      typed.current = draft;
      setRowFilter({ q: draft.trim() || null });
    }, SEARCH_DELAY_MS);
    return () => clearTimeout(timer);
  }, [draft]);

  // Apply statuses change while applying: reload when the batch moves on.
  const rows = useRowWindow(batch.id, filter, sort, batch.status);
  const filtered = Boolean(change || issue || (apply && showApply) || q);
  const { isAdmin } = useSession();
  const [, editRow] = useMutation(EditBatchRowMutation);
  const [status, setStatus] = useState('');
  const { patch, refreshLoaded } = rows;
  const onEdit = useCallback(
    async (row: BatchRow, email: string): Promise<boolean> => {
      const result = await editRow({ batchId: batch.id, rowNumber: row.rowNumber, email: email.trim() === '' ? null : email });
      const updated = result.data?.editBatchRow;
      if (!updated) {
        const message = result.error?.graphQLErrors[0]?.message ?? result.error?.message ?? '';
        setStatus(t('rows.edit.failed', { row: row.rowNumber, message }));
        return false;
      }
      patch(updated);
      setStatus(t('rows.edit.saved', { row: row.rowNumber, change: t(`change.${updated.change}`) }));
      // Other rows may have changed with it (a duplicate or a shared email that stops being one).
      void refreshLoaded();
      return true;
    },
    [editRow, batch.id, patch, refreshLoaded, t],
  );
  const editable = isAdmin && ROWS_EDITABLE[batch.status];

  // The keyboard's row, a focus request (jump, closed detail), and the open row.
  const [active, setActive] = useState(0);
  const [focusSeq, setFocusSeq] = useState(0);
  const [open, setOpen] = useState<number | null>(null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new filter or sort starts at the top
  useEffect(() => setActive(0), [filter, sort]);

  const [jump, setJump] = useState('');
  const [pendingJump, setPendingJump] = useState<{ index: number; row: number } | null>(null);
  const onJump = async (e: FormEvent) => {
    e.preventDefault();
    const rowNumber = Number(jump);
    if (!Number.isInteger(rowNumber) || rowNumber < 1) return;
    const result = await client.query(RowPositionQuery, { id: batch.id, rowNumber, filter, sort }, { requestPolicy: 'network-only' }).toPromise();
    const position = result.data?.uploadBatch?.rowPosition;
    if (position === null || position === undefined) {
      setStatus(result.error ? (result.error.graphQLErrors[0]?.message ?? result.error.message) : t('review.jump.notFound', { row: rowNumber }));
      return;
    }
    const index = Math.min(position, Math.max(0, (rows.total ?? 1) - 1));
    setActive(index);
    setFocusSeq((n) => n + 1);
    setPendingJump({ index, row: rowNumber });
  };
  // Once the jumped-to page is in, say whether the row itself is shown or only its neighbour.
  const landed = pendingJump ? rows.rowAt(pendingJump.index) : undefined;
  useEffect(() => {
    if (!pendingJump || !landed) return;
    setStatus(
      landed.rowNumber === pendingJump.row
        ? t('review.jump.done', { row: pendingJump.row })
        : t('review.jump.filteredOut', { row: pendingJump.row }),
    );
    setPendingJump(null);
  }, [pendingJump, landed, t]);

  const closeDetail = useCallback(() => {
    setOpen(null);
    setFocusSeq((n) => n + 1);
  }, []);

  return (
    <section className="section" aria-labelledby="rows-title" id="rows">
      <div className="section-header">
        <h2 id="rows-title" tabIndex={-1}>
          {t('rows.title')}
        </h2>
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
      <div className="toolbar rt-toolbar">
        <div className="field rt-search">
          <label htmlFor={searchId}>{t('review.search.label')}</label>
          <input
            id={searchId}
            type="search"
            value={draft}
            maxLength={200}
            placeholder={t('review.search.placeholder')}
            onChange={(e) => setDraft(e.target.value)}
          />
        </div>
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
        <div className="field">
          <label htmlFor={sortId}>{t('review.sort.label')}</label>
          <select id={sortId} value={sort} onChange={(e) => setRowFilter({ sort: e.target.value === 'ROW_NUMBER' ? null : e.target.value })}>
            {SORTS.map((c) => (
              <option key={c} value={c}>
                {t(`review.sort.${c}`)}
              </option>
            ))}
          </select>
        </div>
        <form className="field rt-jump" onSubmit={onJump}>
          <label htmlFor={jumpId}>{t('review.jump.label')}</label>
          <span className="rt-jump-row">
            <input id={jumpId} type="number" inputMode="numeric" min={2} value={jump} onChange={(e) => setJump(e.target.value)} />
            <button type="submit" className="button">
              {t('review.jump.submit')}
            </button>
          </span>
        </form>
        {filtered ? (
          <button
            type="button"
            className="button button-ghost"
            onClick={() => {
              setDraft('');
              typed.current = '';
              setRowFilter({ change: null, issue: null, apply: null, q: null });
            }}
          >
            {t('rows.filter.clear')}
          </button>
        ) : null}
        <button type="button" className="button button-ghost" onClick={rows.reload}>
          {t('common.refresh')}
        </button>
      </div>
      <p className="rt-count" aria-live="polite">
        {rows.total === null ? t('common.loading') : tn('rows.all', rows.total)}
      </p>
      {rows.error ? <ErrorState error={rows.error} onRetry={rows.reload} /> : null}
      <RowsGrid
        count={rows.total ?? 0}
        rowAt={rows.rowAt}
        onRange={rows.ensure}
        showApply={showApply}
        label={t('rows.title')}
        onEdit={editable ? onEdit : undefined}
        onOpen={(row, index) => {
          setActive(index);
          setOpen(row.rowNumber);
        }}
        active={active}
        onActive={setActive}
        focusSeq={focusSeq}
        empty={rows.total === 0}
      />
      <p className="small muted vrows-edit-status" role="status" aria-live="polite">
        {status}
      </p>
      {open !== null ? <RowDetail batchId={batch.id} rowNumber={open} showApply={showApply} onClose={closeDetail} /> : null}
    </section>
  );
}
