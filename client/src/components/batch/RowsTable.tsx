import { useVirtualizer } from '@tanstack/react-virtual';
import { type KeyboardEvent, useCallback, useEffect, useId, useRef, useState } from 'react';
import { useClient } from 'urql';
import type { CombinedError } from '@urql/core';
import type { BatchRow, BatchRowFilter } from '../../graphql/documents';
import { type BatchRowSort, ReviewRowsQuery } from '../../graphql/review-documents';
import { useI18n } from '../../i18n/i18n';
import { issueMessage } from '../../lib/issue-message';
import './rows.css';

/** Rows per request: a screen is ~15 rows, so one request covers several screens. */
const PAGE_SIZE = 100;
/**
 * One height for a table row and a phone card. The scrollbar spans every row of the filtered set
 * (height = rows × this), and Chromium lays out at most ~33.5 million px: 500,000 rows × 56 px fit.
 */
export const ROW_HEIGHT = 56;
/** The sticky header row and the "no row matches" message, for sizing a short list. */
const HEAD_HEIGHT = 40;
const EMPTY_HEIGHT = 72;
/** Pages kept in memory; the farthest from the last one asked for goes first. */
const MAX_PAGES = 40;
/** Waits for the scrolling to settle before asking for the pages in view. */
const FETCH_DELAY_MS = 60;

export const NARROW_QUERY = '(max-width: 640px)';

/** Whether the screen is narrow enough for cards instead of a table. */
export function useNarrow(): boolean {
  const [narrow, setNarrow] = useState(() => window.matchMedia(NARROW_QUERY).matches);
  useEffect(() => {
    const mq = window.matchMedia(NARROW_QUERY);
    const on = () => setNarrow(mq.matches);
    mq.addEventListener('change', on);
    return () => mq.removeEventListener('change', on);
  }, []);
  return narrow;
}

interface WindowState {
  key: string;
  pages: Map<number, BatchRow[]>;
  inflight: Set<number>;
  total: number | null;
  error: CombinedError | null;
  /** The pages of the last range asked for (fetched after FETCH_DELAY_MS). */
  wanted: [number, number];
  timer: ReturnType<typeof setTimeout> | null;
}

export interface RowWindow {
  /** Rows in the filtered set; null until the first page answers. */
  total: number | null;
  error: CombinedError | null;
  rowAt(index: number): BatchRow | undefined;
  /** The rows from `start` to `end` (indexes) are in view: fetch their pages. */
  ensure(start: number, end: number): void;
  patch(row: BatchRow): void;
  refreshLoaded(): Promise<void>;
  reload(): void;
}

/**
 * The filtered, sorted rows of a batch as a sparse window: pages of PAGE_SIZE rows fetched by
 * offset around what is in view, in either direction, so any row of 500,000 is one request away.
 */
export function useRowWindow(batchId: string, filter: BatchRowFilter, sort: BatchRowSort, reloadKey: string): RowWindow {
  const client = useClient();
  const [reloads, setReloads] = useState(0);
  const key = JSON.stringify([batchId, filter, sort, reloadKey, reloads]);
  const ref = useRef<WindowState | null>(null);
  const [, setVersion] = useState(0);
  const bump = useCallback(() => setVersion((v) => v + 1), []);

  if (ref.current?.key !== key) {
    if (ref.current?.timer) clearTimeout(ref.current.timer);
    ref.current = { key, pages: new Map(), inflight: new Set(), total: null, error: null, wanted: [0, 0], timer: null };
  }
  const state = ref.current;

  const fetchPage = useCallback(
    async (s: WindowState, page: number) => {
      if (s.inflight.has(page)) return;
      s.inflight.add(page);
      const result = await client
        .query(ReviewRowsQuery, { id: batchId, first: PAGE_SIZE, offset: page * PAGE_SIZE, filter, sort }, { requestPolicy: 'network-only' })
        .toPromise();
      s.inflight.delete(page);
      if (ref.current !== s) return; // The filter or sort changed meanwhile.
      const connection = result.data?.uploadBatch?.rows;
      if (!connection) {
        s.error = result.error ?? null;
      } else {
        s.error = null;
        s.pages.set(
          page,
          connection.edges.map((e) => e.node),
        );
        s.total = connection.totalCount;
        if (s.pages.size > MAX_PAGES) {
          const [from] = s.wanted;
          const farthest = [...s.pages.keys()].sort((a, b) => Math.abs(b - from) - Math.abs(a - from))[0];
          s.pages.delete(farthest);
        }
      }
      bump();
    },
    [client, batchId, filter, sort, bump],
  );

  useEffect(() => {
    if (state.total === null && !state.inflight.has(0)) void fetchPage(state, 0);
  }, [state, fetchPage]);
  useEffect(() => () => {
    if (ref.current?.timer) clearTimeout(ref.current.timer);
  }, []);

  const ensure = useCallback(
    (start: number, end: number) => {
      const s = ref.current;
      if (!s) return;
      const from = Math.floor(Math.max(0, start) / PAGE_SIZE);
      const to = Math.floor(Math.max(0, end) / PAGE_SIZE);
      s.wanted = [from, to];
      let missing = false;
      for (let p = from; p <= to; p++) if (!s.pages.has(p) && !s.inflight.has(p)) missing = true;
      if (!missing || s.timer) return;
      s.timer = setTimeout(() => {
        s.timer = null;
        const [a, b] = s.wanted;
        for (let p = a; p <= b; p++) if (!s.pages.has(p)) void fetchPage(s, p);
      }, FETCH_DELAY_MS);
    },
    [fetchPage],
  );

  const rowAt = useCallback((index: number) => ref.current?.pages.get(Math.floor(index / PAGE_SIZE))?.[index % PAGE_SIZE], []);

  /** Replaces one loaded row in place (an edit's result): the list keeps its length and scroll. */
  const patch = useCallback(
    (row: BatchRow) => {
      for (const rows of ref.current?.pages.values() ?? []) {
        const i = rows.findIndex((r) => r.rowNumber === row.rowNumber);
        if (i >= 0) rows[i] = row;
      }
      bump();
    },
    [bump],
  );

  /** Reads the loaded pages again: an edit may change other rows (a duplicate, a shared email). */
  const refreshLoaded = useCallback(async () => {
    const s = ref.current;
    if (!s) return;
    await Promise.all([...s.pages.keys()].map((p) => fetchPage(s, p)));
  }, [fetchPage]);

  return {
    total: state.total,
    error: state.error,
    rowAt,
    ensure,
    patch,
    refreshLoaded,
    reload: useCallback(() => setReloads((n) => n + 1), []),
  };
}

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
  tabbable,
}: {
  row: BatchRow;
  editing: boolean;
  /** In the Tab order: only the active row's controls are (the grid is one Tab stop, arrows move within it). */
  tabbable: boolean;
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
            // The grid's own keys (arrows, Enter, Escape) stay in the input while editing.
            e.stopPropagation();
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
      <button
        type="button"
        id={emailCellId(row.rowNumber)}
        className="vrows-email-button rt-wrap"
        title={t('rows.edit.hint')}
        tabIndex={tabbable ? 0 : -1}
        onClick={onStart}
      >
        {row.newEmail ? (
          <span className={row.change === 'ADD' || row.change === 'REPLACE' ? 'vrows-new-email' : undefined}>{row.newEmail}</span>
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
          tabIndex={tabbable ? 0 : -1}
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

/** A severity icon with its word for screen readers (the colour is not the only sign). */
export function SeverityIcon({ severity }: { severity: BatchRow['issues'][number]['severity'] }) {
  const { t } = useI18n();
  return (
    <span className={`rt-sev rt-sev-${severity.toLowerCase()}`} role="img" aria-label={t(`review.severity.${severity}`)}>
      {severity === 'ERROR' ? '✕' : '!'}
    </span>
  );
}

/** A row's problems in words: icon, label, the message (with its suggestion), first problem first. */
function IssuesCell({ row }: { row: BatchRow }) {
  const i18n = useI18n();
  if (row.issues.length === 0) return <span className="muted">—</span>;
  const [first, ...rest] = row.issues;
  return (
    <span className="rt-issue">
      <SeverityIcon severity={first.severity} />
      <span className="rt-issue-text">
        <span className={`chip ${first.severity === 'WARNING' ? 'chip-warning' : 'chip-error'}`}>{i18n.t(`issue.${first.code}`)}</span>{' '}
        {rest.length > 0 ? <span className="rt-more">{i18n.t('review.moreIssues', { count: rest.length })} </span> : null}
        <span className="rt-message">{issueMessage(first, i18n)}</span>
        {first.suggestion ? <span className="visually-hidden"> {i18n.t('review.suggestion', { value: first.suggestion })}</span> : null}
      </span>
    </span>
  );
}

interface GridProps {
  count: number;
  rowAt(index: number): BatchRow | undefined;
  onRange?(start: number, end: number): void;
  showApply: boolean;
  label: string;
  /** The most the list takes before it scrolls; a short list takes only what it needs. */
  maxHeight?: number;
  /** Set when rows may be edited (an ADMIN reviewing a VALIDATED batch): saves, true when saved. */
  onEdit?: (row: BatchRow, email: string) => Promise<boolean>;
  /** Enter on a row, or its "Details" button. */
  onOpen?: (row: BatchRow, index: number) => void;
  /** The row the keyboard is on; moved by arrows, set by a jump. */
  active?: number;
  onActive?: (index: number) => void;
  /** Bumped to scroll to `active` and focus it (a jump, a closed detail). */
  focusSeq?: number;
  empty?: boolean;
}

/**
 * The rows as an ARIA grid, virtualized: only the rows in view are in the page, the scrollbar
 * spans the whole set. A table at desktop widths, a list of cards on a phone.
 */
export function RowsGrid({
  count,
  rowAt,
  onRange,
  showApply,
  label,
  maxHeight = 560,
  onEdit,
  onOpen,
  active = 0,
  onActive,
  focusSeq = 0,
  empty = false,
}: GridProps) {
  const { t } = useI18n();
  const helpId = useId();
  const narrow = useNarrow();
  const [editing, setEditing] = useState<number | null>(null);
  const refocus = (rowNumber: number) => requestAnimationFrame(() => document.getElementById(emailCellId(rowNumber))?.focus());
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 10,
  });
  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items.at(-1)?.index ?? 0;
  useEffect(() => {
    if (count > 0) onRange?.(first, last);
  }, [onRange, first, last, count]);

  // A drawn row takes the focus at once, so a second arrow pressed before the next frame moves on
  // from it (not from the row before). A row drawn a few frames later (after a long scroll) is
  // tried for up to ~half a second.
  const focusRow = useCallback((index: number) => {
    let tries = 30;
    const attempt = () => {
      const el = scrollRef.current?.querySelector<HTMLElement>(`tr[data-index="${index}"]`);
      if (el) el.focus({ preventScroll: true });
      else if (tries-- > 0) requestAnimationFrame(attempt);
    };
    attempt();
  }, []);

  // A jump or a closed detail: bring the active row into view and give it the focus.
  const lastSeq = useRef(focusSeq);
  useEffect(() => {
    if (focusSeq === lastSeq.current) return;
    lastSeq.current = focusSeq;
    if (count === 0) return;
    virtualizer.scrollToIndex(Math.min(active, count - 1), { align: 'center' });
    focusRow(active);
  }, [focusSeq, active, count, virtualizer, focusRow]);

  const move = (index: number) => {
    const next = Math.max(0, Math.min(count - 1, index));
    onActive?.(next);
    virtualizer.scrollToIndex(next, { align: 'auto' });
    focusRow(next);
  };
  const perScreen = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? maxHeight) / ROW_HEIGHT) - 1);
  const onRowKey = (e: KeyboardEvent<HTMLTableRowElement>, index: number, row: BatchRow | undefined) => {
    if (e.target !== e.currentTarget) return; // Keys of a button or input inside the row are theirs.
    const to: Record<string, number> = {
      ArrowDown: index + 1,
      ArrowUp: index - 1,
      PageDown: index + perScreen,
      PageUp: index - perScreen,
      Home: 0,
      End: count - 1,
    };
    if (e.key in to) {
      e.preventDefault();
      move(to[e.key]);
    } else if (e.key === 'Enter' && row && onOpen) {
      e.preventDefault();
      onOpen(row, index);
    }
  };

  const columns = 7 + (showApply ? 1 : 0);
  const gridClass = `vrows-grid rt-grid${showApply ? ' vrows-with-apply rt-with-apply' : ''}`;
  const height = Math.min(maxHeight, HEAD_HEIGHT + (empty ? EMPTY_HEIGHT : Math.max(count, 1) * ROW_HEIGHT) + 2);
  const activeIndex = Math.min(active, Math.max(0, count - 1));

  return (
    <div className={`vrows rt${narrow ? ' rt-narrow' : ''}`}>
      <p id={helpId} className="visually-hidden">
        {t('review.grid.help')}
      </p>
      <div ref={scrollRef} className="vrows-scroll rt-scroll" style={{ height }}>
        {/* biome-ignore lint/a11y/noNoninteractiveElementToInteractiveRole: the WAI-ARIA grid pattern on a table: arrows move between rows, Enter opens one */}
        <table className="vrows-table" role="grid" aria-label={label} aria-describedby={helpId} aria-rowcount={count + 1} aria-colcount={columns}>
          <thead className={`vrows-head${narrow ? ' visually-hidden' : ''}`}>
            <tr className={gridClass} aria-rowindex={1}>
              <th scope="col" className="num" aria-colindex={1}>
                {t('rows.col.row')}
              </th>
              <th scope="col" aria-colindex={2}>
                {t('rows.col.account')}
              </th>
              <th scope="col" aria-colindex={3}>
                {t('rows.col.currentEmail')}
              </th>
              <th scope="col" aria-colindex={4}>
                {t('rows.col.newEmail')}
              </th>
              <th scope="col" aria-colindex={5}>
                {t('rows.col.change')}
              </th>
              <th scope="col" aria-colindex={6}>
                {t('rows.col.issues')}
              </th>
              {showApply ? (
                <th scope="col" aria-colindex={7}>
                  {t('rows.col.apply')}
                </th>
              ) : null}
              <th scope="col" aria-colindex={columns}>
                <span className="visually-hidden">{t('review.open')}</span>
              </th>
            </tr>
          </thead>
          <tbody className="vrows-body" style={{ height: virtualizer.getTotalSize() }}>
            {items.map((item) => {
              const row = rowAt(item.index);
              const style = { transform: `translateY(${item.start}px)`, height: item.size };
              const focusable = item.index === activeIndex ? 0 : -1;
              if (!row) {
                return (
                  <tr
                    // Keyed by position, like the row that replaces it: the focus stays when the page arrives.
                    key={item.index}
                    className={`vrows-loader ${gridClass}`}
                    style={style}
                    data-index={item.index}
                    aria-rowindex={item.index + 2}
                    aria-busy="true"
                    tabIndex={focusable}
                    onKeyDown={(e) => onRowKey(e, item.index, undefined)}
                    onFocus={() => onActive?.(item.index)}
                  >
                    <td aria-colindex={1} className="muted small">
                      {t('review.rowLoading')}
                    </td>
                  </tr>
                );
              }
              const applicable = row.change === 'ADD' || row.change === 'REPLACE';
              return (
                <tr
                  key={item.index}
                  className={`vrows-row ${gridClass}${row.change === 'INVALID' ? ' vrows-invalid' : ''}`}
                  aria-rowindex={item.index + 2}
                  data-index={item.index}
                  data-row={row.rowNumber}
                  style={style}
                  tabIndex={focusable}
                  onKeyDown={(e) => onRowKey(e, item.index, row)}
                  // Focus anywhere in the row (its email button clicked, say) makes it the active row:
                  // its controls, and only its, are then in the Tab order.
                  onFocus={() => onActive?.(item.index)}
                >
                  <td className="num mono rt-c-row" aria-colindex={1}>
                    {row.rowNumber}
                  </td>
                  <td className="vrows-account rt-c-account" aria-colindex={2}>
                    <span className="ellipsis vrows-business" title={row.businessName || undefined}>
                      {row.businessName || <span className="muted">{t('rows.noBusinessName')}</span>}
                    </span>
                    {/* An id is copied whole: it wraps rather than being cut. */}
                    <span className="mono small muted rt-account-id">{row.accountId || '—'}</span>
                  </td>
                  <td className="rt-wrap rt-c-current" aria-colindex={3}>
                    {row.currentEmail || <span className="muted">{t('rows.noEmail')}</span>}
                  </td>
                  {onEdit ? (
                    <td className="vrows-email-td rt-c-new" aria-colindex={4}>
                      <EmailCell
                        row={row}
                        tabbable={item.index === activeIndex}
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
                    <td className="rt-wrap rt-c-new" aria-colindex={4}>
                      {row.newEmail ? (
                        <>
                          <span className="vrows-arrow" aria-hidden="true">
                            →
                          </span>
                          <span className={applicable ? 'vrows-new-email' : undefined}>{row.newEmail}</span>
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
                  <td className="rt-c-change" aria-colindex={5}>
                    <span className={`chip chip-${row.change.toLowerCase()}`}>{t(`change.${row.change}`)}</span>
                  </td>
                  <td className="issues rt-c-issues" aria-colindex={6}>
                    <IssuesCell row={row} />
                  </td>
                  {showApply ? (
                    <td className="rt-c-apply" aria-colindex={7}>
                      <span className={`chip chip-apply-${row.applyStatus.toLowerCase()}`}>{t(`applyStatus.${row.applyStatus}`)}</span>
                    </td>
                  ) : null}
                  <td className="rt-c-open" aria-colindex={columns}>
                    {onOpen ? (
                      <button
                        type="button"
                        className="link-button small"
                        tabIndex={-1}
                        aria-label={t('review.open.label', { row: row.rowNumber })}
                        onClick={() => {
                          onActive?.(item.index);
                          onOpen(row, item.index);
                        }}
                      >
                        {t('review.open')}
                      </button>
                    ) : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        {empty ? <p className="vrows-empty">{t('rows.empty')}</p> : null}
      </div>
    </div>
  );
}

/** A short, fully loaded list of rows (the problems found while validating) in the same grid. */
export function VirtualRows({
  rows,
  total,
  showApply,
  label,
  height = 480,
  onEdit,
}: {
  rows: readonly BatchRow[];
  total: number | null;
  hasMore?: boolean;
  loading?: boolean;
  onNeedMore?: () => void;
  showApply: boolean;
  label: string;
  height?: number;
  onEdit?: (row: BatchRow, email: string) => Promise<boolean>;
}) {
  const { tn } = useI18n();
  const [active, setActive] = useState(0);
  const rowAt = useCallback((i: number) => rows[i], [rows]);
  return (
    <>
      <RowsGrid
        count={rows.length}
        rowAt={rowAt}
        showApply={showApply}
        label={label}
        maxHeight={height}
        onEdit={onEdit}
        active={active}
        onActive={setActive}
        empty={rows.length === 0}
      />
      <p className="vrows-foot" aria-live="polite">
        {tn('rows.all', total ?? rows.length)}
      </p>
    </>
  );
}
