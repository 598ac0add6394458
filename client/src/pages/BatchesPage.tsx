import { APPROVAL_QUEUE } from '../lib/batch-status';
import { useRef, useState } from 'react';
import { useQuery } from 'urql';
import { BatchTable } from '../components/BatchList';
import { EmptyState, ErrorState, LoadingState, Notice, PageHeader, Pager } from '../components/ui';
import { AwaitingApprovalQuery } from '../graphql/approval-documents';
import { BatchesQuery } from '../graphql/documents';
import { useI18n } from '../i18n/i18n';
import { isFeatureMissing } from '../lib/graphql-client';
import { Link, setSearchParams, useLocation } from '../lib/router';
import { useSession } from '../session';

const PAGE_SIZE = 20;

export function BatchesPage() {
  const { t, tn, number } = useI18n();
  // Only an admin uploads: a viewer is offered no button that leads to a refusal.
  const { isAdmin } = useSession();
  // ?status=AWAITING_APPROVAL: only the batches waiting for a second admin (reload-safe).
  const awaitingOnly = useLocation().search.get('status') === APPROVAL_QUEUE;
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const after = cursors[cursors.length - 1];
  const [{ data, error, fetching }, refetch] = useQuery({
    query: BatchesQuery,
    variables: { first: PAGE_SIZE, after, filter: awaitingOnly ? { statuses: [APPROVAL_QUEUE] } : null },
    requestPolicy: 'cache-and-network',
  });
  const [awaiting] = useQuery({ query: AwaitingApprovalQuery, variables: { first: 1 }, requestPolicy: 'cache-and-network' });
  const awaitingCount = awaiting.data?.uploadBatches.totalCount ?? 0;
  const showFilter = (filter: boolean) => {
    setCursors([null]);
    setSearchParams({ status: filter ? APPROVAL_QUEUE : null });
  };
  const lastData = useRef(data);
  if (data) lastData.current = data;
  const shown = data ?? lastData.current;
  const connection = shown?.uploadBatches;
  const batches = connection?.edges.map((edge) => edge.node) ?? [];

  return (
    <>
      <PageHeader
        title={t('batches.title')}
        description={t('batches.description')}
        actions={
          isAdmin ? (
            <Link to="/batches/new" className="button button-primary">
              {t('batches.new')}
            </Link>
          ) : undefined
        }
      />
      <fieldset className="batch-filter">
        <legend className="visually-hidden">{t('batches.filter.label')}</legend>
        <button type="button" className={`button${awaitingOnly ? ' button-ghost' : ''}`} aria-pressed={!awaitingOnly} onClick={() => showFilter(false)}>
          {t('batches.filter.all')}
        </button>
        <button type="button" className={`button${awaitingOnly ? '' : ' button-ghost'}`} aria-pressed={awaitingOnly} onClick={() => showFilter(true)}>
          {t('batches.filter.awaiting')}{' '}
          {awaitingCount > 0 ? (
            <span className="badge badge-warning" title={t('batches.awaitingBadge', { count: number(awaitingCount) })}>
              {number(awaitingCount)}
            </span>
          ) : null}
        </button>
      </fieldset>
      {isFeatureMissing(error) ? (
        <Notice title={t('feature.batches.missing.title')}>{t('feature.batches.missing.body')}</Notice>
      ) : error && !shown ? (
        <ErrorState error={error} onRetry={() => refetch({ requestPolicy: 'network-only' })} />
      ) : !connection ? (
        <LoadingState />
      ) : batches.length === 0 && awaitingOnly ? (
        <EmptyState title={t('batches.filter.empty')} />
      ) : batches.length === 0 ? (
        <EmptyState title={t('batches.empty.title')}>{t(isAdmin ? 'batches.empty.body' : 'batches.empty.viewer')}</EmptyState>
      ) : (
        <>
          <BatchTable batches={batches} caption={t('batches.title')} />
          <Pager
            page={cursors.length}
            pages={Math.ceil(connection.totalCount / PAGE_SIZE)}
            busy={fetching}
            hasPrevious={cursors.length > 1}
            hasNext={connection.pageInfo.hasNextPage}
            onPrevious={() => setCursors(cursors.slice(0, -1))}
            onNext={() => {
              const end = connection.pageInfo.endCursor;
              if (end) setCursors([...cursors, end]);
            }}
            summary={tn('batches.count', connection.totalCount)}
          />
        </>
      )}
    </>
  );
}
