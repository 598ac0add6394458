import { useQuery } from 'urql';
import { BatchTable } from '../components/BatchList';
import { EmptyState, ErrorState, LoadingState, Notice, PageHeader, StatCard } from '../components/ui';
import { AccountCountsQuery, RecentBatchesQuery } from '../graphql/documents';
import { useI18n } from '../i18n/i18n';
import { isFeatureMissing } from '../lib/graphql-client';
import { Link } from '../lib/router';
import { useSession } from '../session';

export function HomePage() {
  const { t, tn, number, percent } = useI18n();
  // One "Get started", at the top, and only for an admin (a viewer cannot upload).
  const { viewer, isAdmin } = useSession();
  const [counts, refetchCounts] = useQuery({ query: AccountCountsQuery, requestPolicy: 'cache-and-network' });

  const eligible = counts.data?.eligible.totalCount ?? 0;
  const missing = counts.data?.eligibleMissingEmail.totalCount ?? 0;

  return (
    <>
      <PageHeader
        title={t('home.title')}
        description={t('home.description', { platform: viewer.platform.name })}
        actions={
          isAdmin ? (
            <Link to="/batches/new" className="button button-primary">
              {t('home.getStarted')}
            </Link>
          ) : undefined
        }
      />

      <section aria-labelledby="home-accounts" className="section">
        <h2 id="home-accounts">{t('home.accounts.title')}</h2>
        {counts.error && !counts.data ? (
          <ErrorState error={counts.error} onRetry={() => refetchCounts({ requestPolicy: 'network-only' })} />
        ) : !counts.data ? (
          <LoadingState />
        ) : (
          <div className="stats">
            <StatCard
              label={t('home.accounts.eligible')}
              value={number(eligible)}
              hint={<Link to="/accounts?eligible=yes">{t('home.accounts.viewEligible')}</Link>}
            />
            <StatCard
              label={t('home.accounts.missing')}
              value={number(missing)}
              tone={missing > 0 ? 'warning' : 'success'}
              hint={
                <>
                  {eligible > 0 ? `${t('home.accounts.missingShare', { share: percent(missing / eligible) })} · ` : null}
                  <Link to="/accounts?eligible=yes&email=missing">{t('home.accounts.viewMissing')}</Link>
                </>
              }
            />
            <StatCard label={t('home.accounts.withEmail')} value={number(eligible - missing)} tone="success" />
          </div>
        )}
      </section>

      <section aria-labelledby="home-start" className="section card card-highlight">
        <h2 id="home-start">{t('home.start.title')}</h2>
        <ol className="steps-inline">
          <li>{t('home.start.step1')}</li>
          <li>{t('home.start.step2')}</li>
          <li>{t('home.start.step3')}</li>
          <li>{t('home.start.step4')}</li>
          <li>{t('home.start.step5')}</li>
        </ol>
        {missing > 0 ? <p>{tn('home.start.missingHint', missing)}</p> : null}
        {isAdmin ? null : <p className="muted">{t('home.start.viewer')}</p>}
      </section>

      <RecentBatches />
    </>
  );
}

function RecentBatches() {
  const { t } = useI18n();
  const { isAdmin } = useSession();
  const [{ data, error, fetching }, refetch] = useQuery({ query: RecentBatchesQuery, requestPolicy: 'cache-and-network' });
  const batches = data?.uploadBatches.edges.map((edge) => edge.node) ?? [];

  return (
    <section aria-labelledby="home-batches" className="section">
      <div className="section-header">
        <h2 id="home-batches">{t('home.batches.title')}</h2>
        {data && data.uploadBatches.totalCount > batches.length ? <Link to="/batches">{t('home.batches.all')}</Link> : null}
      </div>
      {isFeatureMissing(error) ? (
        <Notice title={t('feature.batches.missing.title')}>{t('feature.batches.missing.body')}</Notice>
      ) : error && !data ? (
        <ErrorState error={error} onRetry={() => refetch({ requestPolicy: 'network-only' })} />
      ) : !data && fetching ? (
        <LoadingState />
      ) : batches.length === 0 ? (
        <EmptyState title={t('batches.empty.title')}>{t(isAdmin ? 'batches.empty.body' : 'batches.empty.viewer')}</EmptyState>
      ) : (
        <BatchTable batches={batches} caption={t('home.batches.title')} />
      )}
    </section>
  );
}
