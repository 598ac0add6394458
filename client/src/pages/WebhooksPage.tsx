import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { EmptyState, ErrorState, LoadingState, Notice, PageHeader, Spinner } from '../components/ui';
import {
  type CreatedWebhookEndpoint,
  CreateWebhookEndpointMutation,
  DeleteWebhookEndpointMutation,
  type WebhookDelivery,
  type WebhookDeliveryStatus,
  type WebhookEndpoint,
  WebhookEndpointsQuery,
} from '../graphql/documents';
import { useI18n } from '../i18n/i18n';
import { isFeatureMissing } from '../lib/graphql-client';
import { useSession } from '../session';

/** Deliveries listed per endpoint; older ones stay in the API (`deliveries(after:)`). */
const RECENT_DELIVERIES = 10;

export function WebhooksPage() {
  const { t } = useI18n();
  const { isAdmin } = useSession();
  const [{ data, error, fetching }, refetch] = useQuery({
    query: WebhookEndpointsQuery,
    variables: { deliveries: RECENT_DELIVERIES },
    requestPolicy: 'cache-and-network',
  });
  const [created, setCreated] = useState<CreatedWebhookEndpoint | null>(null);
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
            <div className="section-header">
              <h2 id="endpoints-title">{t('webhooks.list.title')}</h2>
              {data && data.webhookEndpoints.length > 0 ? (
                <button type="button" className="button button-ghost" onClick={reload} disabled={fetching}>
                  {t('common.refresh')}
                </button>
              ) : null}
            </div>
            {error && !data ? (
              <ErrorState error={error} onRetry={reload} />
            ) : !data ? (
              fetching ? (
                <LoadingState />
              ) : null
            ) : data.webhookEndpoints.length === 0 ? (
              <EmptyState title={t('webhooks.empty.title')}>{t('webhooks.empty.body')}</EmptyState>
            ) : (
              <EndpointList endpoints={data.webhookEndpoints} canDelete={isAdmin} onDeleted={reload} />
            )}
          </section>
        </>
      )}
    </>
  );
}

function CreateEndpointForm({ onCreated }: { onCreated(result: CreatedWebhookEndpoint): void }) {
  const { t } = useI18n();
  const urlId = useId();
  const descriptionId = useId();
  const errorId = useId();
  const hintId = useId();
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
            aria-describedby={message ? `${hintId} ${errorId}` : hintId}
            onChange={(event) => setUrl(event.target.value)}
          />
          {/* The server's policy (docs/WEBHOOKS.md "URL policy"): http:// is accepted, and a private
              address such as 127.0.0.1 only where the server allows it (development and tests). */}
          <p id={hintId} className="field-hint muted small">
            {t('webhooks.form.urlHint')}
          </p>
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

function SecretOnce({ endpoint, secret, onDone }: { endpoint: CreatedWebhookEndpoint['endpoint']; secret: string; onDone(): void }) {
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

const DELIVERY_TONE: Record<WebhookDeliveryStatus, string> = { DELIVERED: 'success', PENDING: 'info', FAILED: 'danger' };

/** One card per endpoint: its state, its delivery counts, its latest deliveries. */
function EndpointList({ endpoints, canDelete, onDeleted }: { endpoints: readonly WebhookEndpoint[]; canDelete: boolean; onDeleted(): void }) {
  const [{ fetching, error }, remove] = useMutation(DeleteWebhookEndpointMutation);
  const [deleting, setDeleting] = useState<string | null>(null);
  const { t } = useI18n();

  const onDelete = async (endpoint: WebhookEndpoint) => {
    if (!window.confirm(t('webhooks.delete.confirm', { url: endpoint.url }))) return;
    setDeleting(endpoint.id);
    const result = await remove({ id: endpoint.id });
    setDeleting(null);
    if (result.data) onDeleted();
  };

  return (
    <>
      {error ? <ErrorState error={error} /> : null}
      <ul className="endpoint-list">
        {endpoints.map((endpoint) => (
          <li key={endpoint.id}>
            <EndpointCard
              endpoint={endpoint}
              deleting={fetching && deleting === endpoint.id}
              onDelete={canDelete ? () => void onDelete(endpoint) : undefined}
            />
          </li>
        ))}
      </ul>
    </>
  );
}

function EndpointCard({ endpoint, deleting, onDelete }: { endpoint: WebhookEndpoint; deleting: boolean; onDelete?: () => void }) {
  const { t, number, dateTime } = useI18n();
  const titleId = useId();
  const s = endpoint.deliverySummary;
  const deliveries = endpoint.deliveries.edges.map((edge) => edge.node);

  return (
    <article className="card endpoint" aria-labelledby={titleId}>
      <div className="endpoint-head">
        <div className="endpoint-title">
          <h3 id={titleId} className="mono break">
            {endpoint.url}
          </h3>
          <p className="muted small">
            {endpoint.description ? `${endpoint.description} · ` : null}
            {t('webhooks.created', { at: dateTime(endpoint.createdAt) })}
          </p>
        </div>
        <div className="endpoint-actions">
          {endpoint.enabled ? (
            <span className="badge badge-success">{t('webhooks.enabled')}</span>
          ) : (
            <span className="badge badge-neutral">{t('webhooks.disabled')}</span>
          )}
          {onDelete ? (
            <button
              type="button"
              className="button button-danger-ghost"
              disabled={deleting}
              aria-label={t('webhooks.delete.label', { url: endpoint.url })}
              onClick={onDelete}
            >
              {t('webhooks.delete')}
            </button>
          ) : null}
        </div>
      </div>
      {!endpoint.enabled && endpoint.disabledReason ? (
        <Notice tone="warning">{t('webhooks.disabledReason', { reason: endpoint.disabledReason })}</Notice>
      ) : null}
      {endpoint.enabled && endpoint.failingSince ? (
        <Notice tone="warning">{t('webhooks.failingSince', { at: dateTime(endpoint.failingSince) })}</Notice>
      ) : null}
      <dl className="inline-facts">
        <div>
          <dt>{t('webhooks.summary.delivered')}</dt>
          <dd>{number(s.delivered)}</dd>
        </div>
        <div>
          <dt>{t('webhooks.summary.pending')}</dt>
          <dd>{number(s.pending)}</dd>
        </div>
        <div>
          <dt>{t('webhooks.summary.failed')}</dt>
          <dd className={s.failed > 0 ? 'text-danger' : undefined}>{number(s.failed)}</dd>
        </div>
      </dl>
      <h4 className="endpoint-subtitle">{t('webhooks.deliveries.title')}</h4>
      {deliveries.length === 0 ? (
        <p className="muted small">{t('webhooks.deliveries.empty')}</p>
      ) : (
        // Every delivery is in one of the three counts: the total needs no second read of them.
        <DeliveryTable deliveries={deliveries} total={s.delivered + s.pending + s.failed} />
      )}
    </article>
  );
}

function DeliveryTable({ deliveries, total }: { deliveries: readonly WebhookDelivery[]; total: number }) {
  const { t, tn, number, dateTime } = useI18n();
  return (
    <div className="table-wrap">
      <table className="table table-compact table-stack">
        <caption className="visually-hidden">{t('webhooks.deliveries.title')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('webhooks.deliveries.col.event')}</th>
            <th scope="col">{t('webhooks.deliveries.col.status')}</th>
            <th scope="col" className="num">
              {t('webhooks.deliveries.col.attempts')}
            </th>
            <th scope="col">{t('webhooks.deliveries.col.response')}</th>
            <th scope="col">{t('webhooks.deliveries.col.when')}</th>
          </tr>
        </thead>
        <tbody>
          {deliveries.map((delivery) => {
            const when = delivery.deliveredAt ?? delivery.lastAttemptAt ?? delivery.createdAt;
            return (
              <tr key={delivery.eventId}>
                <td data-label={t('webhooks.deliveries.col.event')}>
                  <span className="mono small">{delivery.eventId}</span>
                  <div className="muted small">{delivery.eventType}</div>
                </td>
                <td data-label={t('webhooks.deliveries.col.status')}>
                  <span className={`badge badge-${DELIVERY_TONE[delivery.status]}`}>{t(`webhooks.delivery.${delivery.status}`)}</span>
                </td>
                <td className="num" data-label={t('webhooks.deliveries.col.attempts')}>{number(delivery.attempts)}</td>
                <td data-label={t('webhooks.deliveries.col.response')}>
                  {delivery.lastStatusCode !== null ? (
                    <span className="mono">HTTP {delivery.lastStatusCode}</span>
                  ) : delivery.attempts === 0 ? (
                    <span className="muted">{t('webhooks.deliveries.notYet')}</span>
                  ) : (
                    <span className="muted">{t('webhooks.deliveries.noResponse')}</span>
                  )}
                  {delivery.lastError && delivery.status !== 'DELIVERED' ? <div className="muted small break">{delivery.lastError}</div> : null}
                  {delivery.status === 'PENDING' && delivery.nextAttemptAt ? (
                    <div className="muted small">{t('webhooks.deliveries.next', { at: dateTime(delivery.nextAttemptAt) })}</div>
                  ) : null}
                </td>
                <td data-label={t('webhooks.deliveries.col.when')}>
                  <time dateTime={when}>{dateTime(when)}</time>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {total > deliveries.length ? (
        <p className="table-foot muted small">{t('webhooks.deliveries.more', { shown: number(deliveries.length), total: tn('webhooks.deliveries.count', total) })}</p>
      ) : null}
    </div>
  );
}
