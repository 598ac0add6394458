import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { useQuery } from 'urql';
import { Email, EmptyState, ErrorState, LoadingState, PageHeader, Pager, Spinner } from '../components/ui';
import { type Account, AccountsQuery } from '../graphql/documents';
import { useI18n } from '../i18n/i18n';
import { useDebouncedValue } from '../lib/hooks';
import { setSearchParams, useLocation } from '../lib/router';

const PAGE_SIZE = 25;
type EmailFilter = 'any' | 'missing' | 'present';
type EligibleFilter = 'any' | 'yes' | 'no';

function emailFilterOf(value: string | null): EmailFilter {
  return value === 'missing' || value === 'present' ? value : 'any';
}
function eligibleFilterOf(value: string | null): EligibleFilter {
  return value === 'yes' || value === 'no' ? value : 'any';
}

export function AccountsPage() {
  const { t, tn, number } = useI18n();
  const { search } = useLocation();
  const q = search.get('q') ?? '';
  const email = emailFilterOf(search.get('email'));
  const eligible = eligibleFilterOf(search.get('eligible'));
  const searchId = useId();
  const emailId = useId();
  const eligibleId = useId();

  // The search box updates the URL 300 ms after the last keystroke.
  const [input, setInput] = useState(q);
  const debounced = useDebouncedValue(input.trim(), 300);
  useEffect(() => {
    setSearchParams({ q: debounced || null });
  }, [debounced]);
  const lastUrlQ = useRef(q);
  useEffect(() => {
    // Back/forward changed the URL: show its search in the box.
    if (q !== lastUrlQ.current && q !== debounced) setInput(q);
    lastUrlQ.current = q;
  }, [q, debounced]);

  const filter = useMemo(
    () => ({
      search: q || undefined,
      missingEmail: email === 'any' ? undefined : email === 'missing',
      eligible: eligible === 'any' ? undefined : eligible === 'yes',
    }),
    [q, email, eligible],
  );
  const filterKey = JSON.stringify(filter);

  // Keyset pagination: a stack of `after` cursors, reset whenever the filter changes.
  const [pages, setPages] = useState<{ key: string; cursors: (string | null)[] }>({ key: filterKey, cursors: [null] });
  const cursors = pages.key === filterKey ? pages.cursors : [null];
  const after = cursors[cursors.length - 1];

  const [{ data, error, fetching }, refetch] = useQuery({
    query: AccountsQuery,
    variables: { first: PAGE_SIZE, after, filter },
  });

  // Keep the previous page on screen while the next one loads.
  const lastData = useRef(data);
  if (data) lastData.current = data;
  const shown = data ?? lastData.current;
  const connection = shown?.connectedAccounts;
  const accounts = connection?.edges.map((edge) => edge.node) ?? [];
  const firstIndex = (cursors.length - 1) * PAGE_SIZE;
  const filtered = Boolean(q) || email !== 'any' || eligible !== 'any';

  return (
    <>
      <PageHeader title={t('accounts.title')} description={t('accounts.description')} />

      <search>
        <form className="toolbar" onSubmit={(event) => event.preventDefault()}>
        <div className="field field-grow">
          <label htmlFor={searchId}>{t('accounts.search.label')}</label>
          <input
            id={searchId}
            type="search"
            value={input}
            placeholder={t('accounts.search.placeholder')}
            onChange={(event) => setInput(event.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor={emailId}>{t('accounts.filter.email')}</label>
          <select id={emailId} value={email} onChange={(event) => setSearchParams({ email: event.target.value === 'any' ? null : event.target.value })}>
            <option value="any">{t('accounts.filter.email.any')}</option>
            <option value="missing">{t('accounts.filter.email.missing')}</option>
            <option value="present">{t('accounts.filter.email.present')}</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor={eligibleId}>{t('accounts.filter.eligible')}</label>
          <select
            id={eligibleId}
            value={eligible}
            onChange={(event) => setSearchParams({ eligible: event.target.value === 'any' ? null : event.target.value })}
          >
            <option value="any">{t('accounts.filter.eligible.any')}</option>
            <option value="yes">{t('accounts.filter.eligible.yes')}</option>
            <option value="no">{t('accounts.filter.eligible.no')}</option>
          </select>
        </div>
        <div className="toolbar-status" aria-live="polite">
          {fetching ? <Spinner label={t('common.loading')} /> : null}
        </div>
        </form>
      </search>

      {error && !shown ? (
        <ErrorState error={error} onRetry={() => refetch({ requestPolicy: 'network-only' })} />
      ) : !connection ? (
        <LoadingState />
      ) : accounts.length === 0 ? (
        <EmptyState title={filtered ? t('accounts.empty.filtered') : t('accounts.empty.none')}>
          {filtered ? t('accounts.empty.filteredHint') : null}
        </EmptyState>
      ) : (
        <>
          {error ? <ErrorState error={error} onRetry={() => refetch({ requestPolicy: 'network-only' })} /> : null}
          <AccountsTable accounts={accounts} busy={fetching} caption={tn('accounts.count', connection.totalCount)} />
          <Pager
            page={cursors.length}
            pages={Math.ceil(connection.totalCount / PAGE_SIZE)}
            busy={fetching}
            hasPrevious={cursors.length > 1}
            hasNext={connection.pageInfo.hasNextPage}
            onPrevious={() => setPages({ key: filterKey, cursors: cursors.slice(0, -1) })}
            onNext={() => {
              const end = connection.pageInfo.endCursor;
              if (end) setPages({ key: filterKey, cursors: [...cursors, end] });
            }}
            summary={t('accounts.range', {
              from: number(firstIndex + 1),
              to: number(firstIndex + accounts.length),
              total: number(connection.totalCount),
            })}
          />
        </>
      )}
    </>
  );
}

const ACCOUNT_STATUSES = ['active', 'restricted', 'closed', 'rejected'] as const;
type AccountStatus = (typeof ACCOUNT_STATUSES)[number];

function isAccountStatus(value: string): value is AccountStatus {
  return (ACCOUNT_STATUSES as readonly string[]).includes(value);
}

function AccountsTable({ accounts, busy, caption }: { accounts: readonly Account[]; busy: boolean; caption: string }) {
  const { t } = useI18n();
  const statusLabel = (status: string) => (isAccountStatus(status) ? t(`accountStatus.${status}`) : status);
  return (
    <div className="table-wrap" aria-busy={busy}>
      <table className="table table-stack">
        <caption className="table-caption">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{t('accounts.col.id')}</th>
            <th scope="col">{t('accounts.col.business')}</th>
            <th scope="col">{t('accounts.col.person')}</th>
            <th scope="col">{t('accounts.col.email')}</th>
            <th scope="col">{t('accounts.col.claimed')}</th>
            <th scope="col">{t('accounts.col.eligible')}</th>
          </tr>
        </thead>
        <tbody>
          {accounts.map((account) => (
            <tr key={account.id}>
              <td className="mono" data-label={t('accounts.col.id')}>
                {account.id}
              </td>
              <td data-label={t('accounts.col.business')}>{account.businessName || <span className="muted">—</span>}</td>
              <td data-label={t('accounts.col.person')}>{[account.firstName, account.lastName].filter(Boolean).join(' ') || <span className="muted">—</span>}</td>
              <td data-label={t('accounts.col.email')}>{account.email ? <Email value={account.email} /> : <span className="badge badge-warning">{t('accounts.noEmail')}</span>}</td>
              <td data-label={t('accounts.col.claimed')}>
                <span aria-hidden="true" className={account.userClaimedEmail ? 'tick' : 'cross'}>
                  {account.userClaimedEmail ? '✔' : '✗'}
                </span>
                <span className="visually-hidden">{t(account.userClaimedEmail ? 'common.yes' : 'common.no')}</span>
              </td>
              <td data-label={t('accounts.col.eligible')}>
                {account.eligible ? (
                  <span className="badge badge-success">{t('accounts.eligible')}</span>
                ) : (
                  <span className="badge badge-neutral">{t('accounts.notEligible', { status: statusLabel(account.status) })}</span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
