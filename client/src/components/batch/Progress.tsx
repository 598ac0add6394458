import { useEffect, useRef, useState } from 'react';
import type { Batch, BatchRow } from '../../graphql/documents';
import { useI18n } from '../../i18n/i18n';
import { VIEW_OF_STATUS } from '../../lib/batch-status';
import { type Rate, useRate } from '../../lib/hooks';
import { ProgressBar, StatCard } from '../ui';
import { VirtualRows } from './RowsTable';

/** Announces progress to screen readers in steps (every 10 %), not on every update. */
function useCoarseAnnouncement(ratio: number | null, text: (percent: number) => string): string {
  const [message, setMessage] = useState('');
  const last = useRef(-1);
  useEffect(() => {
    if (ratio === null) return;
    const step = Math.floor(ratio * 10);
    if (step !== last.current) {
      last.current = step;
      setMessage(text(step * 10));
    }
  }, [ratio, text]);
  return message;
}

/** Speed and time left, as the apply and the validation show them. */
function RateFacts({ rate }: { rate: Rate }) {
  const { t, number, duration } = useI18n();
  return (
    <>
      <div>
        <dt>{t('apply.rate')}</dt>
        <dd className="progress-rate">{rate.perSecond === null ? '—' : t('apply.rateValue', { rate: number(Math.round(rate.perSecond)) })}</dd>
      </div>
      <div>
        <dt>{t('apply.eta')}</dt>
        <dd className="progress-eta">{rate.etaSeconds === null ? t('apply.etaUnknown') : t('apply.etaValue', { eta: duration(rate.etaSeconds) })}</dd>
      </div>
    </>
  );
}

/**
 * Validation under way: rows checked (the total is the upload's estimate until the end), speed and
 * time left, the counts so far, and the first problem rows as they stream in. The problem counts
 * come from the batch's summary (exact); the streamed list is capped, so it says how many it shows.
 */
export function ValidationProgress({ batch, problemRows }: { batch: Batch; problemRows: readonly BatchRow[] }) {
  const { t, number, percent } = useI18n();
  const { totalRows, processedRows } = batch.summary;
  const known = totalRows > 0;
  const ratio = known ? processedRows / totalRows : null;
  const announcement = useCoarseAnnouncement(ratio, (p) => t('validation.announce', { percent: p }));
  const rate = useRate(processedRows, totalRows, VIEW_OF_STATUS[batch.status].validating && known);
  const s = batch.summary;

  return (
    <section className="section card" aria-labelledby="validation-title">
      <h2 id="validation-title">{t('validation.title')}</h2>
      <ProgressBar
        label={t('validation.progressLabel')}
        value={known ? processedRows : null}
        max={totalRows}
        valueText={
          known
            ? t('validation.progressValue', { done: number(processedRows), total: number(totalRows), percent: percent(ratio ?? 0) })
            : t('validation.progressUnknown', { done: number(processedRows) })
        }
      />
      <p className="visually-hidden" aria-live="polite">
        {announcement}
      </p>
      <dl className="inline-facts">
        <RateFacts rate={rate} />
      </dl>
      <div className="stats stats-compact">
        <StatCard label={t('summary.additions')} value={number(s.additions)} tone="add" />
        <StatCard label={t('summary.replacements')} value={number(s.replacements)} tone="replace" />
        <StatCard label={t('summary.unchanged')} value={number(s.unchanged)} />
        <StatCard label={t('summary.skipped')} value={number(s.skipped)} />
        <StatCard label={t('summary.invalid')} value={number(s.invalid)} tone={s.invalid > 0 ? 'danger' : undefined} />
        <StatCard label={t('summary.warnings')} value={number(s.warnings)} tone={s.warnings > 0 ? 'warning' : undefined} />
      </div>
      <h3 className="validation-problems">{t('validation.problemCounts', { invalid: number(s.invalid), warnings: number(s.warnings) })}</h3>
      {problemRows.length > 0 && problemRows.length < s.invalid + s.warnings ? (
        <p className="muted small validation-problems-shown">{t('validation.problemsShown', { shown: number(problemRows.length) })}</p>
      ) : null}
      {problemRows.length === 0 ? (
        <p className="muted">{t('validation.noProblems')}</p>
      ) : (
        <VirtualRows
          rows={problemRows}
          total={problemRows.length}
          hasMore={false}
          loading={false}
          showApply={false}
          label={t('validation.problemsLabel')}
          height={320}
        />
      )}
    </section>
  );
}

export function ApplyProgress({ batch }: { batch: Batch }) {
  const { t, number, percent } = useI18n();
  const s = batch.summary;
  const total = s.additions + s.replacements;
  const done = s.applied + s.conflicts + s.failed;
  const active = VIEW_OF_STATUS[batch.status].applying;
  const rate = useRate(done, total, active);
  const ratio = total > 0 ? done / total : 1;
  const announcement = useCoarseAnnouncement(ratio, (p) => t('apply.announce', { percent: p }));

  return (
    <section className="section card" aria-labelledby="apply-title">
      <h2 id="apply-title">{t('apply.title')}</h2>
      <ProgressBar
        label={t('apply.progressLabel')}
        value={done}
        max={total}
        valueText={t('apply.progressValue', { done: number(done), total: number(total), percent: percent(ratio) })}
      />
      <p className="visually-hidden" aria-live="polite">
        {announcement}
      </p>
      <dl className="inline-facts">
        <RateFacts rate={rate} />
        <div>
          <dt>{t('summary.applied')}</dt>
          <dd>{number(s.applied)}</dd>
        </div>
        <div>
          <dt>{t('summary.conflicts')}</dt>
          <dd>{number(s.conflicts)}</dd>
        </div>
        <div>
          <dt>{t('summary.failed')}</dt>
          <dd>{number(s.failed)}</dd>
        </div>
      </dl>
    </section>
  );
}
