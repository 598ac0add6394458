import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useClient } from 'urql';
import type { CombinedError } from '@urql/core';
import { type BatchRow, type BatchRowFilter, BatchRowsQuery, type RowIssueCode } from '../../graphql/documents';
import { useI18n } from '../../i18n/i18n';
import { Spinner } from '../ui';

const PAGE_SIZE = 250;
const ROW_HEIGHT = 44;

export interface RowsPage {
  rows: BatchRow[];
  total: number | null;
  hasMore: boolean;
  loading: boolean;
  error: CombinedError | null;
}

/**
 * Server-paginated rows of a batch, fetched page after page as the list scrolls. Only what was
 * scrolled to is held; `reloadKey` (and the filter) start over from the first row.
 */
export function useBatchRows(batchId: string, filter: BatchRowFilter, reloadKey: string): RowsPage & { loadMore(): void; reload(): void } {
  const client = useClient();
  const key = `${batchId}|${JSON.stringify(filter)}|${reloadKey}`;
  const [state, setState] = useState<RowsPage & { key: string; cursor: string | null }>({
    key: '',
    rows: [],
    total: null,
    hasMore: true,
    loading: false,
    error: null,
    cursor: null,
  });
  const inFlight = useRef<string | null>(null);
  const [reloads, setReloads] = useState(0);
  const stateRef = useRef(state);
  stateRef.current = state;

  const fetchPage = useCallback(
    async (forKey: string, after: string | null, reset: boolean) => {
      const token = `${forKey}|${after ?? ''}`;
      if (inFlight.current === token) return;
      inFlight.current = token;
      setState((s) => (reset ? { key: forKey, rows: [], total: null, hasMore: true, loading: true, error: null, cursor: null } : { ...s, loading: true }));
      const result = await client.query(BatchRowsQuery, { id: batchId, first: PAGE_SIZE, after, filter }, { requestPolicy: 'network-only' }).toPromise();
      if (inFlight.current === token) inFlight.current = null;
      setState((s) => {
        if (s.key !== forKey) return s;
        const connection = result.data?.uploadBatch?.rows;
        if (!connection) return { ...s, loading: false, hasMore: false, error: result.error ?? null };
        return {
          key: forKey,
          rows: reset ? connection.edges.map((e) => e.node) : [...s.rows, ...connection.edges.map((e) => e.node)],
          total: connection.totalCount,
          hasMore: connection.pageInfo.hasNextPage,
          cursor: connection.pageInfo.endCursor ?? null,
          loading: false,
          error: null,
        };
      });
    },
    [client, batchId, filter],
  );

  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` and `reloads` decide when to start over
  useEffect(() => {
    inFlight.current = null;
    void fetchPage(key, null, true);
  }, [key, reloads]);

  const loadMore = useCallback(() => {
    const s = stateRef.current;
    if (s.key !== key || s.loading || !s.hasMore || s.error) return;
    void fetchPage(key, s.cursor, false);
  }, [fetchPage, key]);

  const current = state.key === key ? state : { rows: [], total: null, hasMore: true, loading: true, error: null };
  return { ...current, loadMore, reload: () => setReloads((n) => n + 1) };
}

const WARNING_CODES: readonly RowIssueCode[] = ['NAME_MISMATCH', 'CLAIMED_EMAIL_REPLACED'];

/** A virtualized table of batch rows: fast with hundreds of thousands of rows. */
export function VirtualRows({
  rows,
  total,
  hasMore,
  loading,
  onNeedMore,
  showApply,
  label,
  height = 480,
}: {
  rows: readonly BatchRow[];
  total: number | null;
  hasMore: boolean;
  loading: boolean;
  onNeedMore?: () => void;
  showApply: boolean;
  label: string;
  height?: number;
}) {
  const { t, number } = useI18n();
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

  return (
    <div className="vrows" role="table" aria-label={label} aria-rowcount={(total ?? rows.length) + 1}>
      <div className={`vrows-head ${gridClass}`} role="row" aria-rowindex={1}>
        <span role="columnheader" className="num">
          {t('rows.col.row')}
        </span>
        <span role="columnheader">{t('rows.col.account')}</span>
        <span role="columnheader">{t('rows.col.newEmail')}</span>
        <span role="columnheader">{t('rows.col.currentEmail')}</span>
        <span role="columnheader">{t('rows.col.change')}</span>
        <span role="columnheader">{t('rows.col.issues')}</span>
        {showApply ? <span role="columnheader">{t('rows.col.apply')}</span> : null}
      </div>
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: the scrolling region must be reachable with the keyboard */}
      <div ref={scrollRef} className="vrows-scroll" style={{ height }} tabIndex={0} role="rowgroup" aria-label={label}>
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {items.map((item) => {
            const row = rows[item.index];
            if (!row) {
              return (
                <div
                  key="loader"
                  className="vrows-loader"
                  role="row"
                  style={{ transform: `translateY(${item.start}px)`, height: item.size }}
                >
                  <span role="cell">
                    <Spinner label={t('rows.loadingMore')} />
                  </span>
                </div>
              );
            }
            return (
              <div
                key={row.rowNumber}
                className={`vrows-row ${gridClass}${row.change === 'INVALID' ? ' vrows-invalid' : ''}`}
                role="row"
                aria-rowindex={item.index + 2}
                style={{ transform: `translateY(${item.start}px)`, height: item.size }}
              >
                <span role="cell" className="num mono">
                  {row.rowNumber}
                </span>
                <span role="cell" className="mono ellipsis" title={row.accountId ?? ''}>
                  {row.accountId || <span className="muted">—</span>}
                </span>
                <span role="cell" className="ellipsis" title={row.newEmail ?? ''}>
                  {row.newEmail || <span className="muted">—</span>}
                </span>
                <span role="cell" className="ellipsis" title={row.currentEmail ?? ''}>
                  {row.currentEmail || <span className="muted">—</span>}
                </span>
                <span role="cell">
                  <span className={`chip chip-${row.change.toLowerCase()}`}>{t(`change.${row.change}`)}</span>
                </span>
                <span role="cell" className="issues">
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
                </span>
                {showApply ? (
                  <span role="cell">
                    <span className={`chip chip-apply-${row.applyStatus.toLowerCase()}`}>{t(`applyStatus.${row.applyStatus}`)}</span>
                  </span>
                ) : null}
              </div>
            );
          })}
        </div>
        {!loading && rows.length === 0 ? <p className="vrows-empty">{t('rows.empty')}</p> : null}
      </div>
      <div className="vrows-foot" aria-live="polite">
        {total === null ? t('common.loading') : t('rows.showing', { shown: number(rows.length), total: number(total) })}
      </div>
    </div>
  );
}
