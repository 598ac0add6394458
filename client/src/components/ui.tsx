import { Fragment, type ReactNode, useEffect, useId } from 'react';
import type { CombinedError } from '@urql/core';
import type { BatchStatus } from '../graphql/documents';
import { useI18n } from '../i18n/i18n';
import { STATUS_TONE } from '../lib/batch-status';
import { errorCode } from '../lib/graphql-client';

export function usePageTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · Comms Center`;
  }, [title]);
}

export function PageHeader({ title, description, actions }: { title: string; description?: ReactNode; actions?: ReactNode }) {
  usePageTitle(title);
  return (
    <div className="page-header">
      <div>
        <h1 tabIndex={-1}>{title}</h1>
        {description ? <p className="page-description">{description}</p> : null}
      </div>
      {actions ? <div className="page-actions">{actions}</div> : null}
    </div>
  );
}

export function Spinner({ label }: { label?: string }) {
  return (
    <span className="spinner-wrap">
      <span className="spinner" aria-hidden="true" />
      {label ? <span>{label}</span> : null}
    </span>
  );
}

export function LoadingState({ label }: { label?: string }) {
  const { t } = useI18n();
  return (
    <div className="state state-loading" role="status" aria-live="polite">
      <Spinner label={label ?? t('common.loading')} />
    </div>
  );
}

export function ErrorState({ error, onRetry, title }: { error?: CombinedError | Error | string; onRetry?: () => void; title?: string }) {
  const { t } = useI18n();
  const detail =
    typeof error === 'string'
      ? error
      : error && 'graphQLErrors' in error
        ? (error.graphQLErrors[0]?.message ?? (error.networkError ? t('common.networkError') : error.message))
        : error?.message;
  const code = error && typeof error !== 'string' && 'graphQLErrors' in error ? errorCode(error) : undefined;
  return (
    <div className="state state-error" role="alert">
      <p className="state-title">{title ?? t('common.errorTitle')}</p>
      {detail ? (
        <p className="state-detail">
          {detail}
          {code ? <span className="muted"> ({code})</span> : null}
        </p>
      ) : null}
      {onRetry ? (
        <button type="button" className="button" onClick={onRetry}>
          {t('common.retry')}
        </button>
      ) : null}
    </div>
  );
}

export function EmptyState({ title, children, action }: { title: string; children?: ReactNode; action?: ReactNode }) {
  return (
    <div className="state state-empty">
      <p className="state-title">{title}</p>
      {children ? <div className="state-detail">{children}</div> : null}
      {action}
    </div>
  );
}

export function Notice({ tone = 'info', title, children }: { tone?: 'info' | 'warning' | 'danger' | 'success'; title?: string; children?: ReactNode }) {
  return (
    <div className={`notice notice-${tone}`}>
      {title ? <p className="notice-title">{title}</p> : null}
      {children}
    </div>
  );
}

/** A labelled progress bar; `value` null shows an indeterminate bar. */
export function ProgressBar({ value, max, label, valueText }: { value: number | null; max: number; label: string; valueText?: string }) {
  const id = useId();
  const ratio = value === null || max <= 0 ? null : Math.min(1, Math.max(0, value / max));
  return (
    <div className="progress">
      <div className="progress-label" id={id}>
        <span>{label}</span>
        {valueText ? <span className="progress-value">{valueText}</span> : null}
      </div>
      <div
        className={`progress-track${ratio === null ? ' progress-indeterminate' : ''}`}
        role="progressbar"
        aria-labelledby={id}
        aria-valuemin={0}
        aria-valuemax={ratio === null ? undefined : max}
        aria-valuenow={ratio === null || value === null ? undefined : value}
        aria-valuetext={valueText}
      >
        <div className="progress-fill" style={ratio === null ? undefined : { width: `${ratio * 100}%` }} />
      </div>
    </div>
  );
}

export function StatusBadge({ status }: { status: BatchStatus }) {
  const { t } = useI18n();
  return <span className={`badge badge-${STATUS_TONE[status]}`}>{t(`status.${status}`)}</span>;
}

export function Pager({
  page,
  pages,
  hasPrevious,
  hasNext,
  onPrevious,
  onNext,
  summary,
  busy,
}: {
  page: number;
  /** The number of pages, when the total is known: "Page 2 of 7". */
  pages?: number;
  hasPrevious: boolean;
  hasNext: boolean;
  onPrevious(): void;
  onNext(): void;
  summary?: string;
  busy?: boolean;
}) {
  const { t } = useI18n();
  return (
    <nav className="pager" aria-label={t('pager.label')}>
      <span className="pager-summary" aria-live="polite">
        {summary}
      </span>
      <span className="pager-page">{pages ? t('pager.pageOf', { page, pages: Math.max(pages, page) }) : t('pager.page', { page })}</span>
      <button type="button" className="button" onClick={onPrevious} disabled={!hasPrevious || busy}>
        {t('pager.previous')}
      </button>
      <button type="button" className="button" onClick={onNext} disabled={!hasNext || busy}>
        {t('pager.next')}
      </button>
    </nav>
  );
}

export function StatCard({ label, value, tone, hint }: { label: string; value: string; tone?: string; hint?: ReactNode }) {
  return (
    <div className={`stat${tone ? ` stat-${tone}` : ''}`}>
      <span className="stat-label">{label}</span>
      <span className="stat-value">{value}</span>
      {hint ? <span className="stat-hint">{hint}</span> : null}
    </div>
  );
}

/**
 * An email address that wraps only at its natural joints (before "@" and before each dot), so a
 * narrow column never cuts "alice" into "ali" + "ce"; a single part longer than the line still
 * breaks (overflow-wrap: break-word) rather than widening the page.
 */
export function Email({ value, className }: { value: string; className?: string }) {
  const parts = value.split(/(?=[@.])/);
  return (
    <span className={`email${className ? ` ${className}` : ''}`}>
      {parts.map((part, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: the parts of one fixed string, in order
        <Fragment key={i}>
          {i > 0 ? <wbr /> : null}
          <span>{part}</span>
        </Fragment>
      ))}
    </span>
  );
}
