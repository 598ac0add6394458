import { useEffect, useMemo } from 'react';
import { useQuery } from 'urql';
import { type BatchStatus, BatchHistoryQuery } from '../../graphql/documents';
import { useI18n } from '../../i18n/i18n';
import { StatusBadge } from '../ui';

/**
 * The batch's history as a timeline: each status change, when, and who made it
 * (a user's email, an API key's prefix, or the system). Read again whenever the
 * status the page shows moves on, so the newest step appears with it.
 */
export function BatchTimeline({ id, status }: { id: string; status: BatchStatus }) {
  const { t, lang } = useI18n();
  // Steps of one batch are often seconds apart: show the seconds.
  const format = useMemo(() => new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'medium' }), [lang]);
  const [history, refetch] = useQuery({ query: BatchHistoryQuery, variables: { id }, requestPolicy: 'cache-and-network' });
  // biome-ignore lint/correctness/useExhaustiveDependencies: the status is the signal to read the history again
  useEffect(() => {
    refetch({ requestPolicy: 'network-only' });
  }, [status, refetch]);
  const entries = history.data?.uploadBatch?.history ?? [];
  if (entries.length === 0) return null;
  return (
    <section className="card timeline-card" aria-labelledby="batch-timeline-title">
      <h2 id="batch-timeline-title">{t('history.title')}</h2>
      <ol className="timeline">
        {entries.map((entry) => (
          <li key={`${entry.status}-${entry.at}`} className="timeline-entry">
            <StatusBadge status={entry.status} />
            <time dateTime={String(entry.at)}>{format.format(new Date(String(entry.at)))}</time>
            <span className="timeline-by">{entry.by ? t('history.by', { who: entry.by }) : t('history.bySystem')}</span>
            {entry.note ? <p className="timeline-note">{entry.note}</p> : null}
          </li>
        ))}
      </ol>
    </section>
  );
}
