import { useId, useRef } from 'react';
import { useQuery } from 'urql';
import { EmptyState, ErrorState, LoadingState, Pager } from '../../components/ui';
import { type AuditEntry, AuditFiltersQuery, AuditLogQuery } from '../../graphql/settings-documents';
import { en, type MessageKey } from '../../i18n/en';
import { useI18n } from '../../i18n/i18n';
import { setSearchParams, useLocation } from '../../lib/router';

const PAGE_SIZE = 25;

/**
 * Settings → Audit log: newest first, filtered by action and actor. Filters and the page's cursor
 * live in the URL, so a reload or a shared link shows the same entries.
 */
export function AuditLogPage() {
  const { t, tn } = useI18n();
  const { search } = useLocation();
  const action = search.get('action') || null;
  const actor = search.get('actor') || null;
  // The cursors of the pages before this one, so "Previous" works after a reload too.
  const trail = (search.get('pages') ?? '').split('~').filter(Boolean);
  const after = trail.at(-1) ?? null;
  const [{ data, error, fetching }, refetch] = useQuery({
    query: AuditLogQuery,
    variables: { first: PAGE_SIZE, after, action, actor },
    requestPolicy: 'cache-and-network',
  });
  const [filters] = useQuery({ query: AuditFiltersQuery, requestPolicy: 'cache-and-network' });
  const lastData = useRef(data);
  if (data) lastData.current = data;
  const shown = data ?? lastData.current;
  const connection = shown?.auditLog;
  const actionId = useId();
  const actorId = useId();

  const filter = (key: 'action' | 'actor', value: string) => setSearchParams({ [key]: value || null, pages: null });

  return (
    <>
      <search className="toolbar" aria-label={t('audit.filters')}>
        <div className="field">
          <label htmlFor={actionId}>{t('audit.filter.action')}</label>
          <select id={actionId} value={action ?? ''} onChange={(event) => filter('action', event.target.value)}>
            <option value="">{t('audit.filter.allActions')}</option>
            {(filters.data?.auditActions ?? (action ? [action] : [])).map((a) => (
              <option key={a} value={a}>
                {actionLabel(t, a)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={actorId}>{t('audit.filter.actor')}</label>
          <select id={actorId} value={actor ?? ''} onChange={(event) => filter('actor', event.target.value)}>
            <option value="">{t('audit.filter.allActors')}</option>
            {(filters.data?.auditActors ?? (actor ? [actor] : [])).map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
        </div>
      </search>
      {error && !shown ? (
        <ErrorState error={error} onRetry={() => refetch({ requestPolicy: 'network-only' })} />
      ) : !connection ? (
        <LoadingState />
      ) : connection.edges.length === 0 ? (
        <EmptyState title={t(action || actor ? 'audit.empty.filtered' : 'audit.empty.title')}>{t('audit.empty.body')}</EmptyState>
      ) : (
        <>
          <AuditTable entries={connection.edges.map((e) => e.node)} />
          <Pager
            page={trail.length + 1}
            busy={fetching}
            hasPrevious={trail.length > 0}
            hasNext={connection.pageInfo.hasNextPage}
            onPrevious={() => setSearchParams({ pages: trail.slice(0, -1).join('~') || null }, { replace: false })}
            onNext={() => {
              const end = connection.pageInfo.endCursor;
              if (end) setSearchParams({ pages: [...trail, end].join('~') }, { replace: false });
            }}
            summary={tn('audit.count', connection.totalCount)}
          />
        </>
      )}
    </>
  );
}

function actionLabel(t: ReturnType<typeof useI18n>['t'], action: string): string {
  const key = `audit.action.${action}`;
  // An action added on the server before the dashboard knows its name: show it as is.
  return Object.hasOwn(en, key) ? t(key as MessageKey) : action;
}

/** Details are JSON text: shown as "key: value" pairs, nested changes as "from → to". */
function detailsText(details: string | null): string {
  if (!details) return '';
  try {
    const value = JSON.parse(details) as Record<string, unknown>;
    return Object.entries(value)
      .map(([k, v]) => {
        if (v && typeof v === 'object' && 'from' in v && 'to' in v) {
          const change = v as { from: unknown; to: unknown };
          return `${k}: ${String(change.from ?? '—')} → ${String(change.to ?? '—')}`;
        }
        return `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`;
      })
      .join(' · ');
  } catch {
    return details;
  }
}

function AuditTable({ entries }: { entries: readonly AuditEntry[] }) {
  const { t, dateTime } = useI18n();
  return (
    <div className="table-wrap">
      <table className="table table-stack">
        <caption className="visually-hidden">{t('settings.audit.title')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('audit.col.when')}</th>
            <th scope="col">{t('audit.col.actor')}</th>
            <th scope="col">{t('audit.col.action')}</th>
            <th scope="col">{t('audit.col.target')}</th>
            <th scope="col">{t('audit.col.details')}</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((entry) => (
            <tr key={entry.id} data-action={entry.action}>
              <td data-label={t('audit.col.when')}>
                <time dateTime={entry.at}>{dateTime(entry.at)}</time>
              </td>
              <td className="break" data-label={t('audit.col.actor')}>
                {entry.actor ?? <span className="muted">{t('audit.system')}</span>}
              </td>
              <td data-label={t('audit.col.action')}>{actionLabel(t, entry.action)}</td>
              <td className="break mono small" data-label={t('audit.col.target')}>
                {entry.target}
              </td>
              <td className="break small" data-label={t('audit.col.details')}>
                {detailsText(entry.details)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
