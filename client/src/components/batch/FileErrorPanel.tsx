import type { FileError } from '../../graphql/documents';
import { useI18n } from '../../i18n/i18n';
import { Link } from '../../lib/router';

export const REQUIRED_HEADERS = ['Account ID', 'Email Address (please add or replace)'] as const;

function normalize(header: string): string {
  return header.replace(/^\uFEFF/, '').trim().toLowerCase();
}

/** Explains, in plain words, why a whole file was refused and how to fix it. */
export function FileErrorPanel({ error }: { error: FileError }) {
  const { t } = useI18n();
  const found = error.foundHeaders ?? [];
  const missing = new Set((error.missingHeaders ?? []).map(normalize));
  const foundSet = new Set(found.map(normalize));

  return (
    <section className="card card-danger" aria-labelledby="file-error-title">
      <h2 id="file-error-title">{t('fileError.title')}</h2>
      <p className="lead">{t(`fileError.${error.code}.what`, { line: error.line ?? '?' })}</p>

      {error.code === 'MISSING_REQUIRED_HEADERS' ? (
        <div className="header-compare">
          <div>
            <h3>{t('fileError.expected')}</h3>
            <ul className="header-list">
              {REQUIRED_HEADERS.map((header) => {
                const ok = missing.size > 0 ? !missing.has(normalize(header)) : foundSet.has(normalize(header));
                return (
                  <li key={header} className={ok ? 'header-ok' : 'header-missing'}>
                    <span aria-hidden="true">{ok ? '✔' : '✗'}</span> <code>{header}</code>
                    <span className="visually-hidden"> ({t(ok ? 'fileError.headerFound' : 'fileError.headerMissing')})</span>
                    {ok ? null : <span className="badge badge-danger">{t('fileError.headerMissing')}</span>}
                  </li>
                );
              })}
            </ul>
          </div>
          <div>
            <h3>{t('fileError.found')}</h3>
            {found.length === 0 ? (
              <p className="muted">{t('fileError.noHeaders')}</p>
            ) : (
              <ol className="header-list header-found">
                {found.map((header, index) => (
                  // Headers may repeat; the position is part of the identity.
                  // biome-ignore lint/suspicious/noArrayIndexKey: a static list in file order
                  <li key={index}>
                    <code>{header === '' ? t('fileError.blankHeader') : header}</code>
                  </li>
                ))}
              </ol>
            )}
          </div>
        </div>
      ) : null}

      <h3>{t('fileError.howToFix')}</h3>
      <p>{t(`fileError.${error.code}.fix`)}</p>
      <details className="details">
        <summary>{t('fileError.details')}</summary>
        <p className="mono small">
          {error.code}
          {error.line ? ` · ${t('fileError.line', { line: error.line })}` : ''} — {error.message}
        </p>
      </details>
      <Link to="/batches/new" className="button button-primary">
        {t('fileError.uploadAgain')}
      </Link>
    </section>
  );
}
