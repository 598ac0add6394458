import type { Batch } from '../../graphql/documents';
import { useI18n } from '../../i18n/i18n';
import { setRowFilter, useRowFilter } from './RowsExplorer';

type CardFilter = { change?: string; issue?: string };

/** The six review counts; each card filters the rows table below. */
export function SummaryCards({ batch }: { batch: Batch }) {
  const { t, number } = useI18n();
  const current = useRowFilter();
  const s = batch.summary;
  const cards: { label: string; value: number; tone?: string; filter: CardFilter }[] = [
    { label: t('summary.additions'), value: s.additions, tone: 'add', filter: { change: 'ADD' } },
    { label: t('summary.replacements'), value: s.replacements, tone: 'replace', filter: { change: 'REPLACE' } },
    { label: t('summary.unchanged'), value: s.unchanged, filter: { change: 'UNCHANGED' } },
    { label: t('summary.skipped'), value: s.skipped, filter: { change: 'SKIPPED' } },
    { label: t('summary.invalid'), value: s.invalid, tone: s.invalid > 0 ? 'danger' : undefined, filter: { change: 'INVALID' } },
    { label: t('summary.warnings'), value: s.warnings, tone: s.warnings > 0 ? 'warning' : undefined, filter: { issue: 'WARNINGS' } },
  ];
  return (
    <section className="section" aria-labelledby="summary-title">
      <h2 id="summary-title">
        {t('summary.title')} <span className="muted small">{t('summary.totalRows', { total: number(s.totalRows) })}</span>
      </h2>
      <div className="stats stats-six">
        {cards.map((card) => {
          const pressed = (card.filter.change ?? null) === current.change && (card.filter.issue ?? null) === current.issue;
          return (
            <button
              key={card.label}
              type="button"
              className={`stat stat-button${card.tone ? ` stat-${card.tone}` : ''}`}
              aria-pressed={pressed}
              title={t('summary.filterHint')}
              onClick={() => {
                setRowFilter(pressed ? { change: null, issue: null } : { change: card.filter.change ?? null, issue: card.filter.issue ?? null });
              }}
            >
              <span className="stat-label">{card.label}</span>
              <span className="stat-value">{number(card.value)}</span>
            </button>
          );
        })}
      </div>
    </section>
  );
}

export function Completion({ batch }: { batch: Batch }) {
  const { t, tn, number } = useI18n();
  const s = batch.summary;
  return (
    <section className="section card card-success" aria-labelledby="done-title">
      <h2 id="done-title">{t('done.title')}</h2>
      <p>{tn('done.body', s.applied)}</p>
      <div className="stats">
        <div className="stat stat-success">
          <span className="stat-label">{t('summary.applied')}</span>
          <span className="stat-value">{number(s.applied)}</span>
        </div>
        <div className={`stat${s.conflicts > 0 ? ' stat-warning' : ''}`}>
          <span className="stat-label">{t('summary.conflicts')}</span>
          <span className="stat-value">{number(s.conflicts)}</span>
          {s.conflicts > 0 ? (
            <span className="stat-hint">
              <button
                type="button"
                className="link-button"
                onClick={() => {
                  setRowFilter({ apply: 'CONFLICT', change: null, issue: null });
                  document.getElementById('rows')?.scrollIntoView({ behavior: 'smooth' });
                  document.getElementById('rows-title')?.focus();
                }}
              >
                {t('done.seeConflicts')}
              </button>
            </span>
          ) : null}
        </div>
        <div className={`stat${s.failed > 0 ? ' stat-danger' : ''}`}>
          <span className="stat-label">{t('summary.failed')}</span>
          <span className="stat-value">{number(s.failed)}</span>
        </div>
      </div>
      {s.conflicts > 0 ? <p className="muted">{t('done.conflictsExplained')}</p> : null}
    </section>
  );
}
