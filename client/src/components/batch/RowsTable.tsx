import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useClient } from 'urql';
import type { CombinedError } from '@urql/core';
import { type BatchRow, type BatchRowFilter, BatchRowsQuery, type RowIssueCode } from '../../graphql/documents';
import { useI18n } from '../../i18n/i18n';
import { Spinner } from '../ui';

const PAGE_SIZE = 500;
const ROW_HEIGHT = 52;
/** The sticky header row and the "no row matches" message, for sizing a short list. */
const HEAD_HEIGHT = 40;
const EMPTY_HEIGHT = 72;

export interface RowsPage {
  rows: readonly BatchRow[];
  total: number | null;
  hasMore: boolean;
  loading: boolean;
  error: CombinedError | null;
}

interface Loaded {
  key: string;
  /** Appended in place (no copy per page): cheap even after hundreds of pages. */
  rows: BatchRow[];
  cursor: string | null;
  total: number | null;
  hasMore: boolean;
  loading: boolean;
  error: CombinedError | null;
}

/**
 * Server-paginated rows of a batch, fetched page after page as the list scrolls. Only what was
 * scrolled to is held; `reloadKey` (and the filter) start over from the first row.
 */
export function useBatchRows(
  batchId: string,
  filter: BatchRowFilter,
  reloadKey: string,
): RowsPage & { loadMore(): void; reload(): void; patch(row: BatchRow): void; refreshLoaded(): Promise<void> } {
  const client = useClient();
  const [reloads, setReloads] = useState(0);
  const key = `${batchId}|${JSON.stringify(filter)}|${reloadKey}|${reloads}`;
  const loaded = useRef<Loaded | null>(null);
  const [, setVersion] = useState(0);
  const bump = useCallback(() => setVersion((v) => v + 1), []);

  const fetchPage = useCallback(
    async (state: Loaded) => {
      if (state.loading || !state.hasMore) return;
      state.loading = true;
      state.error = null;
      bump();
      const result = await client
        .query(BatchRowsQuery, { id: batchId, first: PAGE_SIZE, after: state.cursor, filter }, { requestPolicy: 'network-only' })
        .toPromise();
      if (loaded.current !== state) return; // The filter changed meanwhile.
      state.loading = false;
      const connection = result.data?.uploadBatch?.rows;
      if (!connection) {
        state.error = result.error ?? null;
        state.hasMore = false;
      } else {
        for (const edge of connection.edges) state.rows.push(edge.node);
        state.total = connection.totalCount;
        state.hasMore = connection.pageInfo.hasNextPage;
        state.cursor = connection.pageInfo.endCursor ?? null;
      }
      bump();
    },
    [client, batchId, filter, bump],
  );

  if (loaded.current?.key !== key) {
    loaded.current = { key, rows: [], cursor: null, total: null, hasMore: true, loading: false, error: null };
  }
  const current = loaded.current;

  useEffect(() => {
    if (current.rows.length === 0 && current.hasMore && !current.loading) void fetchPage(current);
  }, [current, fetchPage]);

  const loadMore = useCallback(() => {
    const state = loaded.current;
    if (state && !state.error) void fetchPage(state);
  }, [fetchPage]);

  /** Replaces one loaded row in place (an edit's result): the list keeps its length and scroll. */
  const patch = useCallback(
    (row: BatchRow) => {
      const state = loaded.current;
      if (!state) return;
      const i = state.rows.findIndex((r) => r.rowNumber === row.rowNumber);
      if (i >= 0) state.rows[i] = row;
      bump();
    },
    [bump],
  );

  /** Reads the loaded rows again (up to 1,000) and updates them in place: an edit may change other rows. */
  const refreshLoaded = useCallback(async () => {
    const state = loaded.current;
    if (!state || state.rows.length === 0) return;
    const first = Math.min(state.rows.length, 1000);
    const result = await client.query(BatchRowsQuery, { id: batchId, first, after: null, filter }, { requestPolicy: 'network-only' }).toPromise();
    if (loaded.current !== state || !result.data?.uploadBatch) return;
    const fresh = new Map(result.data.uploadBatch.rows.edges.map((e) => [e.node.rowNumber, e.node] as const));
    for (let i = 0; i < state.rows.length; i++) {
      const f = fresh.get(state.rows[i].rowNumber);
      if (f) state.rows[i] = f;
    }
    state.total = result.data.uploadBatch.rows.totalCount;
    bump();
  }, [client, batchId, filter, bump]);

  return {
    patch,
    refreshLoaded,
    rows: current.rows,
    total: current.total,
    hasMore: current.hasMore,
    loading: current.loading || (current.rows.length === 0 && current.hasMore),
    error: current.error,
    loadMore,
    reload: () => setReloads((n) => n + 1),
  };
}

const WARNING_CODES: readonly RowIssueCode[] = [
  'NAME_MISMATCH',
  'CLAIMED_EMAIL_REPLACED',
  'EMAIL_DOMAIN_TYPO',
  'DISPOSABLE_EMAIL',
  'ROLE_EMAIL',
  'SHARED_EMAIL',
  'EMAIL_DOMAIN_UNRESOLVABLE',
];

const domainOf = (email: string) => email.slice(email.lastIndexOf('@') + 1);
const emailCellId = (rowNumber: number) => `row-email-${rowNumber}`;

/**
 * The new-email cell of a row that may be edited: a button (Enter or a click starts editing), then
 * an input (Enter saves, Escape cancels). What the file said shows below once the row was edited.
 */
function EmailCell({
  row,
  editing,
  onStart,
  onCancel,
  onSave,
}: {
  row: BatchRow;
  editing: boolean;
  onStart: () => void;
  onCancel: () => void;
  onSave: (email: string) => Promise<boolean>;
}) {
  const { t } = useI18n();
  const suggestion = row.issues.find((i) => i.code === 'EMAIL_DOMAIN_TYPO' && i.suggestion)?.suggestion ?? null;
  const [draft, setDraft] = useState(row.newEmail ?? '');
  const [saving, setSaving] = useState(false);
  useEffect(() => {
    if (editing) setDraft(row.newEmail ?? '');
  }, [editing, row.newEmail]);
  const fileLine =
    row.fileEmail === null || row.fileEmail === undefined ? null : (
      <span className="ellipsis small muted vrows-file-email">
        {row.fileEmail ? t('rows.fileEmail', { email: row.fileEmail }) : t('rows.fileEmailBlank')}
      </span>
    );
  if (editing) {
    return (
      <span className="vrows-edit">
        <input
          type="email"
          className="vrows-edit-input"
          aria-label={t('rows.edit.label', { row: row.rowNumber })}
          aria-describedby="rows-edit-help"
          // biome-ignore lint/a11y/noAutofocus: the user asked to edit this cell; focus goes where they type
          autoFocus
          value={draft}
          disabled={saving}
          onChange={(e) => setDraft(e.target.value)}
          onKeyDown={async (e) => {
            if (e.key === 'Escape') {
              e.preventDefault();
              onCancel();
            } else if (e.key === 'Enter') {
              e.preventDefault();
              setSaving(true);
              const ok = await onSave(draft);
              setSaving(false);
              if (!ok) e.currentTarget?.focus();
            }
          }}
        />
        <span id="rows-edit-help" className="small muted">
          {saving ? t('rows.edit.saving') : t('rows.edit.save')}
        </span>
      </span>
    );
  }
  return (
    <span className="vrows-email-cell">
      <button type="button" id={emailCellId(row.rowNumber)} className="vrows-email-button" title={t('rows.edit.hint')} onClick={onStart}>
        {row.newEmail ? (
          <span className={`ellipsis${row.change === 'ADD' || row.change === 'REPLACE' ? ' vrows-new-email' : ''}`}>{row.newEmail}</span>
        ) : (
          <span className="muted">{t('rows.blankEmail')}</span>
        )}
        <span className="visually-hidden">, {t('rows.edit.action')}</span>
      </button>
      {suggestion ? (
        <button
          type="button"
          className="link-button small vrows-suggestion"
          title={t('rows.useSuggestion.title', { email: suggestion })}
          onClick={() => void onSave(suggestion)}
        >
          {t('rows.useSuggestion', { domain: domainOf(suggestion) })}
        </button>
      ) : (
        fileLine
      )}
    </span>
  );
}

/** A virtualized table of batch rows: fast with hundreds of thousands of rows. */
export function VirtualRows({
  rows,
  total,
  hasMore,
  loading,
  onNeedMore,
  showApply,
  label,
  height: maxHeight = 480,
  onEdit,
}: {
  rows: readonly BatchRow[];
  total: number | null;
  hasMore: boolean;
  loading: boolean;
  onNeedMore?: () => void;
  showApply: boolean;
  label: string;
  /** The most the list takes before it scrolls; a short list takes only what it needs. */
  height?: number;
  /** Set when rows may be edited (an ADMIN reviewing a VALIDATED batch): saves, true when saved. */
  onEdit?: (row: BatchRow, email: string) => Promise<boolean>;
}) {
  const { t, tn, number } = useI18n();
  const [editing, setEditing] = useState<number | null>(null);
  const refocus = (rowNumber: number) => requestAnimationFrame(() => document.getElementById(emailCellId(rowNumber))?.focus());
  const scrollRef = useRef<HTMLDivElement>(null);
  const count = rows.length + (hasMore ? 1 : 0);
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });
  const items = virtualizer.getVirtualItems();
  const lastIndex = items.length > 0 ? items[items.length - 1].index : -1;

  useEffect(() => {
    if (onNeedMore && hasMore && !loading && lastIndex >= rows.length - 40) onNeedMore();
  }, [onNeedMore, hasMore, loading, lastIndex, rows.length]);

  const gridClass = `vrows-grid${showApply ? ' vrows-with-apply' : ''}`;
  const empty = !loading && rows.length === 0;
  const height = Math.min(maxHeight, HEAD_HEIGHT + (empty ? EMPTY_HEIGHT : Math.max(count, 1) * ROW_HEIGHT) + 2);

  return (
    <div className="vrows">
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: the scrolling region must be reachable with the keyboard */}
      <section ref={scrollRef} className="vrows-scroll" style={{ height }} tabIndex={0} aria-label={label}>
        <table className="vrows-table" aria-rowcount={(total ?? rows.length) + 1}>
          <thead className="vrows-head">
            <tr className={gridClass} aria-rowindex={1}>
              <th scope="col" className="num">
                {t('rows.col.row')}
              </th>
              <th scope="col">{t('rows.col.account')}</th>
              <th scope="col">{t('rows.col.currentEmail')}</th>
              <th scope="col">{t('rows.col.newEmail')}</th>
              <th scope="col">{t('rows.col.change')}</th>
              <th scope="col">{t('rows.col.issues')}</th>
              {showApply ? <th scope="col">{t('rows.col.apply')}</th> : null}
            </tr>
          </thead>
          <tbody className="vrows-body" style={{ height: virtualizer.getTotalSize() }}>
            {items.map((item) => {
              const row = rows[item.index];
              if (!row) {
                return (
                  <tr key="loader" className="vrows-loader" style={{ transform: `translateY(${item.start}px)`, height: item.size }}>
                    <td>
                      <Spinner label={t('rows.loadingMore')} />
                    </td>
                  </tr>
                );
              }
              return (
                <tr
                  key={row.rowNumber}
                  className={`vrows-row ${gridClass}${row.change === 'INVALID' ? ' vrows-invalid' : ''}`}
                  aria-rowindex={item.index + 2}
                  style={{ transform: `translateY(${item.start}px)`, height: item.size }}
                >
                  <td className="num mono">{row.rowNumber}</td>
                  <td className="vrows-account">
                    <span className="ellipsis vrows-business" title={row.businessName ?? ''}>
                      {row.businessName || <span className="muted">{t('rows.noBusinessName')}</span>}
                    </span>
                    <span className="ellipsis mono small muted" title={row.accountId ?? ''}>
                      {row.accountId || '—'}
                    </span>
                  </td>
                  <td className="ellipsis" title={row.currentEmail ?? ''}>
                    {row.currentEmail || <span className="muted">{t('rows.noEmail')}</span>}
                  </td>
                  {onEdit ? (
                    <td className="vrows-email-td">
                      <EmailCell
                        row={row}
                        editing={editing === row.rowNumber}
                        onStart={() => setEditing(row.rowNumber)}
                        onCancel={() => {
                          setEditing(null);
                          refocus(row.rowNumber);
                        }}
                        onSave={async (email) => {
                          const ok = await onEdit(row, email);
                          if (ok) {
                            setEditing(null);
                            refocus(row.rowNumber);
                          }
                          return ok;
                        }}
                      />
                    </td>
                  ) : (
                  <td className="ellipsis" title={row.newEmail ?? t('rows.blankEmail')}>
                      {row.newEmail ? (
                        <>
                          <span className="vrows-arrow" aria-hidden="true">
                            →
                          </span>
                          <span className={row.change === 'ADD' || row.change === 'REPLACE' ? 'vrows-new-email' : undefined}>{row.newEmail}</span>
                        </>
                      ) : (
                        <>
                          <span className="muted" aria-hidden="true">
                            —
                          </span>
                          <span className="visually-hidden">{t('rows.blankEmail')}</span>
                        </>
                      )}
                    </td>
                  )}
                  <td>
                    <span className={`chip chip-${row.change.toLowerCase()}`}>{t(`change.${row.change}`)}</span>
                  </td>
                  <td className="issues">
                    {row.issues.length === 0 ? (
                      <span className="muted">—</span>
                    ) : (
                      row.issues.map((issue) => (
                        <span
                          key={issue.code}
                          className={`chip ${WARNING_CODES.includes(issue.code) || issue.severity === 'WARNING' ? 'chip-warning' : 'chip-error'}`}
                          title={issue.message}
                        >
                          {t(`issue.${issue.code}`)}
                        </span>
                      ))
                    )}
                    {row.issues.length > 0 ? <span className="visually-hidden">: {row.issues.map((i) => i.message).join('; ')}</span> : null}
                  </td>
                  {showApply ? (
                    <td>
                      <span className={`chip chip-apply-${row.applyStatus.toLowerCase()}`}>{t(`applyStatus.${row.applyStatus}`)}</span>
                    </td>
                  ) : null}
                </tr>
              );
            })}
          </tbody>
        </table>
        {empty ? <p className="vrows-empty">{t('rows.empty')}</p> : null}
      </section>
      <p className="vrows-foot" aria-live="polite">
        {total === null
          ? t('common.loading')
          : rows.length >= total
            ? tn('rows.all', total)
            : t('rows.showing', { shown: number(rows.length), total: number(total) })}
      </p>
    </div>
  );
}
