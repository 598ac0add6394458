import { type FormEvent, useId, useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { SecretOnce } from '../../components/SecretOnce';
import { EmptyState, ErrorState, LoadingState, Spinner } from '../../components/ui';
import { type ApiKey, ApiKeysQuery, CreateApiKeyMutation, RevokeApiKeyMutation } from '../../graphql/settings-documents';
import { useI18n } from '../../i18n/i18n';
import { errorCode } from '../../lib/graphql-client';

const MAX_NAME = 100;

/** Settings → API keys: create (secret shown once), list, revoke. ADMIN only (the layout checks). */
export function ApiKeysPage() {
  const { t } = useI18n();
  const [{ data, error, fetching }, refetch] = useQuery({ query: ApiKeysQuery, requestPolicy: 'cache-and-network' });
  const [created, setCreated] = useState<{ name: string; secret: string } | null>(null);
  const reload = () => refetch({ requestPolicy: 'network-only' });

  return (
    <>
      {created ? (
        <SecretOnce
          title={t('apiKeys.secret.title', { name: created.name })}
          body={t('apiKeys.secret.body')}
          label={t('apiKeys.secret.label')}
          value={created.secret}
          onDone={() => setCreated(null)}
        />
      ) : null}
      <CreateKeyForm
        onCreated={(name, secret) => {
          setCreated({ name, secret });
          reload();
        }}
      />
      <section className="section" aria-labelledby="keys-title">
        <div className="section-header">
          <h2 id="keys-title">{t('apiKeys.list.title')}</h2>
          <button type="button" className="button button-ghost" onClick={reload} disabled={fetching}>
            {t('common.refresh')}
          </button>
        </div>
        {error && !data ? (
          <ErrorState error={error} onRetry={reload} />
        ) : !data ? (
          <LoadingState />
        ) : data.apiKeys.length === 0 ? (
          <EmptyState title={t('apiKeys.empty.title')}>{t('apiKeys.empty.body')}</EmptyState>
        ) : (
          <KeyTable keys={data.apiKeys} onRevoked={reload} />
        )}
      </section>
    </>
  );
}

function CreateKeyForm({ onCreated }: { onCreated(name: string, secret: string): void }) {
  const { t } = useI18n();
  const nameId = useId();
  const errorId = useId();
  const [name, setName] = useState('');
  const [localError, setLocalError] = useState<string | null>(null);
  const [{ fetching, error }, create] = useMutation(CreateApiKeyMutation);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setLocalError(null);
    if (!name.trim()) {
      setLocalError(t('apiKeys.form.nameRequired'));
      return;
    }
    if (name.trim().length > MAX_NAME) {
      setLocalError(t('apiKeys.form.nameTooLong', { max: MAX_NAME }));
      return;
    }
    const result = await create({ input: { name: name.trim() } });
    if (result.data) {
      setName('');
      onCreated(result.data.createApiKey.apiKey.name, result.data.createApiKey.secret);
    }
  };

  const message =
    localError ??
    (errorCode(error) === 'FORBIDDEN' ? t('settings.adminOnly') : (error?.graphQLErrors[0]?.message ?? (error ? t('common.networkError') : null)));

  return (
    <section className="section card" aria-labelledby="create-key-title">
      <h2 id="create-key-title">{t('apiKeys.form.title')}</h2>
      <form className="form-row" onSubmit={submit} noValidate>
        <div className="field field-grow">
          <label htmlFor={nameId}>{t('apiKeys.form.name')}</label>
          <input
            id={nameId}
            type="text"
            maxLength={MAX_NAME + 20}
            placeholder={t('apiKeys.form.placeholder')}
            value={name}
            aria-invalid={message ? true : undefined}
            aria-describedby={message ? errorId : undefined}
            onChange={(event) => setName(event.target.value)}
          />
        </div>
        <button type="submit" className="button button-primary" disabled={fetching}>
          {fetching ? <Spinner label={t('apiKeys.form.submitting')} /> : t('apiKeys.form.submit')}
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

function KeyTable({ keys, onRevoked }: { keys: readonly ApiKey[]; onRevoked(): void }) {
  const { t, dateTime } = useI18n();
  const [{ fetching, error }, revoke] = useMutation(RevokeApiKeyMutation);
  const [revoking, setRevoking] = useState<string | null>(null);

  const onRevoke = async (key: ApiKey) => {
    if (!window.confirm(t('apiKeys.revoke.confirm', { name: key.name, prefix: key.prefix }))) return;
    setRevoking(key.id);
    const result = await revoke({ id: key.id });
    setRevoking(null);
    if (result.data) onRevoked();
  };

  return (
    <>
      {error ? <ErrorState error={error} /> : null}
      <div className="table-wrap">
        <table className="table">
          <caption className="visually-hidden">{t('apiKeys.list.title')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('apiKeys.col.name')}</th>
              <th scope="col">{t('apiKeys.col.prefix')}</th>
              <th scope="col">{t('apiKeys.col.createdBy')}</th>
              <th scope="col">{t('apiKeys.col.created')}</th>
              <th scope="col">{t('apiKeys.col.lastUsed')}</th>
              <th scope="col">{t('apiKeys.col.status')}</th>
            </tr>
          </thead>
          <tbody>
            {keys.map((key) => (
              <tr key={key.id} data-key-prefix={key.prefix}>
                <td>{key.name}</td>
                <td>
                  <span className="mono">{key.prefix}…</span>
                </td>
                <td className="break">{key.createdBy ?? <span className="muted">{t('apiKeys.createdBy.cli')}</span>}</td>
                <td>
                  <time dateTime={key.createdAt}>{dateTime(key.createdAt)}</time>
                </td>
                <td>{key.lastUsedAt ? <time dateTime={key.lastUsedAt}>{dateTime(key.lastUsedAt)}</time> : <span className="muted">{t('apiKeys.never')}</span>}</td>
                <td>
                  {key.revokedAt ? (
                    <span className="badge badge-neutral" title={dateTime(key.revokedAt)}>
                      {t('apiKeys.revoked', { at: dateTime(key.revokedAt) })}
                    </span>
                  ) : (
                    <span className="cell-actions">
                      <span className="badge badge-success">{t('apiKeys.active')}</span>
                      <button
                        type="button"
                        className="button button-danger-ghost"
                        disabled={fetching && revoking === key.id}
                        aria-label={t('apiKeys.revoke.label', { name: key.name })}
                        onClick={() => void onRevoke(key)}
                      >
                        {t('apiKeys.revoke')}
                      </button>
                    </span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
