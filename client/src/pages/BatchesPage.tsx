import { useRef, useState } from 'react';
import { useQuery } from 'urql';
import { BatchTable } from '../components/BatchList';
import { EmptyState, ErrorState, LoadingState, Notice, PageHeader, Pager } from '../components/ui';
import { BatchesQuery } from '../graphql/documents';
import { useI18n } from '../i18n/i18n';
import { isFeatureMissing } from '../lib/graphql-client';
import { Link } from '../lib/router';

const PAGE_SIZE = 20;

export function BatchesPage() {
  const { t, tn } = useI18n();
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const after = cursors[cursors.length - 1];
  const [{ data, error, fetching }, refetch] = useQuery({
    query: BatchesQuery,
    variables: { first: PAGE_SIZE, after },
    requestPolicy: 'cache-and-network',
  });
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
          <Link to="/batches/new" className="button button-primary">
            {t('batches.new')}
          </Link>
        }
      />
      {isFeatureMissing(error) ? (
        <Notice title={t('feature.batches.missing.title')}>{t('feature.batches.missing.body')}</Notice>
      ) : error && !shown ? (
        <ErrorState error={error} onRetry={() => refetch({ requestPolicy: 'network-only' })} />
      ) : !connection ? (
        <LoadingState />
      ) : batches.length === 0 ? (
        <EmptyState
          title={t('batches.empty.title')}
          action={
            <Link to="/batches/new" className="button button-primary">
              {t('home.getStarted')}
            </Link>
          }
        >
          {t('batches.empty.body')}
        </EmptyState>
      ) : (
        <>
          <BatchTable batches={batches} caption={t('batches.title')} />
          <Pager
            page={cursors.length}
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
