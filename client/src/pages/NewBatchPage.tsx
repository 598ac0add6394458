import { useId, useState } from 'react';
import { useQuery } from 'urql';
import { Stepper } from '../components/batch/Stepper';
import { UploadZone } from '../components/batch/UploadZone';
import { ErrorState, Notice, PageHeader, Spinner } from '../components/ui';
import { EmailTemplateQuery } from '../graphql/documents';
import { useI18n } from '../i18n/i18n';
import { isFeatureMissing } from '../lib/graphql-client';

export const TEMPLATE_COLUMNS = [
  'Account ID',
  'Business Name',
  'First Name',
  'Last Name',
  'Email Address (please add or replace)',
  'User has claimed primary user email address',
] as const;

/** The template's choice of accounts (emailTemplate's filter). */
const TEMPLATE_SCOPES = ['all', 'missingEmail', 'unclaimed'] as const;
type TemplateScope = (typeof TEMPLATE_SCOPES)[number];

export function NewBatchPage() {
  const { t } = useI18n();
  return (
    <>
      <PageHeader title={t('newBatch.title')} description={t('newBatch.description')} />
      <Stepper status={null} />
      <TemplateStep />
      <section className="section card" aria-labelledby="upload-title">
        <h2 id="upload-title">
          <span className="step-tag">2</span> {t('newBatch.upload.title')}
        </h2>
        <p>{t('newBatch.upload.body')}</p>
        <UploadZone />
      </section>
    </>
  );
}

function TemplateStep() {
  const { t, tn, dateTime, number } = useI18n();
  const [{ data, error, fetching }, refetch] = useQuery({ query: EmailTemplateQuery, requestPolicy: 'network-only' });
  const [scope, setScope] = useState<TemplateScope>('all');
  const scopeName = useId();
  const links = data ? { all: data.emailTemplate, missingEmail: data.missingEmail, unclaimed: data.unclaimed } : null;
  const link = links?.[scope];

  return (
    <section className="section card" aria-labelledby="template-title">
      <h2 id="template-title">
        <span className="step-tag">1</span> {t('newBatch.template.title')}
      </h2>
      <p>{t('newBatch.template.body')}</p>
      <p className="columns-list">
        {TEMPLATE_COLUMNS.map((c) => (
          <code key={c}>{c}</code>
        ))}
      </p>
      {isFeatureMissing(error) ? (
        <Notice title={t('feature.batches.missing.title')}>{t('feature.batches.missing.body')}</Notice>
      ) : error ? (
        <ErrorState error={error} onRetry={() => refetch({ requestPolicy: 'network-only' })} />
      ) : !link ? (
        fetching ? <Spinner label={t('common.loading')} /> : null
      ) : (
        <>
        <fieldset className="template-scope">
          <legend>{t('newBatch.template.scope')}</legend>
          {TEMPLATE_SCOPES.map((value) => (
            <label key={value} className="radio">
              <input type="radio" name={scopeName} value={value} checked={scope === value} onChange={() => setScope(value)} />
              {t(`newBatch.template.scope.${value}`)}{' '}
              <span className="muted">({number(links?.[value].rowCount ?? 0)})</span>
            </label>
          ))}
        </fieldset>
        <div className="actions">
          <a
            className="button button-primary"
            href={link.url}
            download
            onClick={(event) => {
              // The link is signed and expires: fetch a fresh one if it has.
              if (new Date(link.expiresAt).getTime() <= Date.now() + 5_000) {
                event.preventDefault();
                refetch({ requestPolicy: 'network-only' });
              }
            }}
          >
            {t('newBatch.template.download')}
          </a>
          <span className="muted">
            {tn('newBatch.template.rows', link.rowCount)} · {t('newBatch.template.expires', { at: dateTime(link.expiresAt) })}
          </span>
        </div>
        </>
      )}
      <h3>{t('newBatch.fill.title')}</h3>
      <p>{t('newBatch.fill.body')}</p>
      <ul className="bullets">
        <li>{t('newBatch.fill.rule1')}</li>
        <li>{t('newBatch.fill.rule2')}</li>
        <li>{t('newBatch.fill.rule3')}</li>
        <li>{t('newBatch.fill.rule4')}</li>
      </ul>
    </section>
  );
}
