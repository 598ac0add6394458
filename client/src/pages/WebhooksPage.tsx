import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { EmptyState, ErrorState, LoadingState, Notice, PageHeader, Spinner } from '../components/ui';
import { CreateWebhookEndpointMutation, DeleteWebhookEndpointMutation, type WebhookEndpoint, WebhookEndpointsQuery } from '../graphql/documents';
import { useI18n } from '../i18n/i18n';
import { isFeatureMissing } from '../lib/graphql-client';
import { useSession } from '../session';

export function WebhooksPage() {
  const { t } = useI18n();
  const { isAdmin } = useSession();
  const [{ data, error, fetching }, refetch] = useQuery({ query: WebhookEndpointsQuery, requestPolicy: 'cache-and-network' });
  const [created, setCreated] = useState<{ endpoint: WebhookEndpoint; secret: string } | null>(null);
  const reload = () => refetch({ requestPolicy: 'network-only' });

  return (
    <>
      <PageHeader title={t('webhooks.title')} description={t('webhooks.description')} />
      {isFeatureMissing(error) ? (
        <Notice title={t('feature.webhooks.missing.title')}>{t('feature.webhooks.missing.body')}</Notice>
      ) : (
        <>
          {created ? <SecretOnce endpoint={created.endpoint} secret={created.secret} onDone={() => setCreated(null)} /> : null}
          {isAdmin ? (
            <CreateEndpointForm
              onCreated={(result) => {
                setCreated(result);
                reload();
              }}
            />
          ) : (
            <Notice>{t('webhooks.viewerReason')}</Notice>
          )}
          <section className="section" aria-labelledby="endpoints-title">
            <h2 id="endpoints-title">{t('webhooks.list.title')}</h2>
            {error && !data ? (
              <ErrorState error={error} onRetry={reload} />
            ) : !data ? (
              fetching ? (
                <LoadingState />
              ) : null
            ) : data.webhookEndpoints.length === 0 ? (
              <EmptyState title={t('webhooks.empty.title')}>{t('webhooks.empty.body')}</EmptyState>
            ) : (
              <EndpointTable endpoints={data.webhookEndpoints} canDelete={isAdmin} onDeleted={reload} />
            )}
          </section>
          <p className="muted small">{t('webhooks.deliveriesLater')}</p>
        </>
      )}
    </>
  );
}

function CreateEndpointForm({ onCreated }: { onCreated(result: { endpoint: WebhookEndpoint; secret: string }): void }) {
  const { t } = useI18n();
  const urlId = useId();
  const descriptionId = useId();
  const errorId = useId();
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [localError, setLocalError] = useState<string | null>(null);
  const [{ fetching, error }, create] = useMutation(CreateWebhookEndpointMutation);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setLocalError(null);
    try {
      const parsed = new URL(url.trim());
      if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new Error('protocol');
    } catch {
      setLocalError(t('webhooks.form.badUrl'));
      return;
    }
    const result = await create({ input: { url: url.trim(), description: description.trim() || null } });
    if (result.data) {
      setUrl('');
      setDescription('');
      onCreated(result.data.createWebhookEndpoint);
    }
  };

  const message = localError ?? error?.graphQLErrors[0]?.message ?? (error ? t('common.networkError') : null);

  return (
    <section className="section card" aria-labelledby="create-endpoint-title">
      <h2 id="create-endpoint-title">{t('webhooks.form.title')}</h2>
      <form className="form-row" onSubmit={submit} noValidate>
        <div className="field field-grow">
          <label htmlFor={urlId}>{t('webhooks.form.url')}</label>
          <input
            id={urlId}
            type="url"
            required
            placeholder="https://example.com/webhooks/comms"
            value={url}
            aria-invalid={message ? true : undefined}
            aria-describedby={message ? errorId : undefined}
            onChange={(event) => setUrl(event.target.value)}
          />
        </div>
        <div className="field field-grow">
          <label htmlFor={descriptionId}>
            {t('webhooks.form.description')} <span className="muted">({t('common.optional')})</span>
          </label>
          <input id={descriptionId} type="text" value={description} onChange={(event) => setDescription(event.target.value)} />
        </div>
        <button type="submit" className="button button-primary" disabled={fetching}>
          {fetching ? <Spinner label={t('webhooks.form.submitting')} /> : t('webhooks.form.submit')}
        </button>
      </form>
      {message ? (
        <p className="field-error" id={errorId} role="alert">
          {message}
        </p>
      ) : null}
    </section>
  );
}

function SecretOnce({ endpoint, secret, onDone }: { endpoint: WebhookEndpoint; secret: string; onDone(): void }) {
  const { t } = useI18n();
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  const secretId = useId();
  const secretRef = useRef<HTMLInputElement>(null);

  // Shown once: take the user straight to it.
  useEffect(() => {
    secretRef.current?.focus();
  }, []);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied('yes');
    } catch {
      const field = document.getElementById(secretId);
      if (field instanceof HTMLInputElement) field.select();
      setCopied('failed');
    }
  };

  return (
    <section className="section notice notice-success" aria-labelledby="secret-title">
      <h2 id="secret-title" className="notice-title">
        {t('webhooks.secret.title', { url: endpoint.url })}
      </h2>
      <p>{t('webhooks.secret.body')}</p>
      <div className="secret-row">
        <label htmlFor={secretId} className="visually-hidden">
          {t('webhooks.secret.label')}
        </label>
        <input ref={secretRef} id={secretId} className="mono secret" readOnly value={secret} onFocus={(event) => event.target.select()} />
        <button type="button" className="button" onClick={copy}>
          {t('webhooks.secret.copy')}
        </button>
        <button type="button" className="button button-ghost" onClick={onDone}>
          {t('webhooks.secret.done')}
        </button>
      </div>
      <p aria-live="polite" className="small">
        {copied === 'yes' ? t('webhooks.secret.copied') : copied === 'failed' ? t('webhooks.secret.copyFailed') : ''}
      </p>
    </section>
  );
}

function EndpointTable({ endpoints, canDelete, onDeleted }: { endpoints: readonly WebhookEndpoint[]; canDelete: boolean; onDeleted(): void }) {
  const { t, dateTime } = useI18n();
  const [{ fetching, error }, remove] = useMutation(DeleteWebhookEndpointMutation);
  const [deleting, setDeleting] = useState<string | null>(null);

  return (
    <>
      {error ? <ErrorState error={error} /> : null}
      <div className="table-wrap">
        <table className="table">
          <caption className="visually-hidden">{t('webhooks.list.title')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('webhooks.col.url')}</th>
              <th scope="col">{t('webhooks.col.description')}</th>
              <th scope="col">{t('webhooks.col.created')}</th>
              {canDelete ? (
                <th scope="col">
                  <span className="visually-hidden">{t('webhooks.col.actions')}</span>
                </th>
              ) : null}
            </tr>
          </thead>
          <tbody>
            {endpoints.map((endpoint) => (
              <tr key={endpoint.id}>
                <td className="mono break">{endpoint.url}</td>
                <td>{endpoint.description || <span className="muted">—</span>}</td>
                <td>
                  <time dateTime={endpoint.createdAt}>{dateTime(endpoint.createdAt)}</time>
                </td>
                {canDelete ? (
                  <td className="num">
                    <button
                      type="button"
                      className="button button-danger-ghost"
                      disabled={fetching && deleting === endpoint.id}
                      aria-label={t('webhooks.delete.label', { url: endpoint.url })}
                      onClick={async () => {
                        if (!window.confirm(t('webhooks.delete.confirm', { url: endpoint.url }))) return;
                        setDeleting(endpoint.id);
                        const result = await remove({ id: endpoint.id });
                        setDeleting(null);
                        if (result.data) onDeleted();
                      }}
                    >
                      {t('webhooks.delete')}
                    </button>
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
