import { useEffect, useId, useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { ErrorState, LoadingState, Notice, Spinner } from '../../components/ui';
import { type ApprovalPolicy, PlatformSettingsQuery, UpdatePlatformSettingsMutation } from '../../graphql/approval-documents';
import { useI18n } from '../../i18n/i18n';
import { useSession } from '../../session';

const POLICIES: readonly ApprovalPolicy[] = ['NONE', 'ALWAYS', 'ABOVE_THRESHOLD'];

/** /settings/approval: the platform's approval policy (ADMINs change it; viewers read it). */
export function ApprovalSettingsPage() {
  const { t, dateTime } = useI18n();
  const { isAdmin } = useSession();
  const thresholdId = useId();
  const thresholdHintId = useId();
  const [query, refetch] = useQuery({ query: PlatformSettingsQuery, requestPolicy: 'network-only' });
  const [saveState, save] = useMutation(UpdatePlatformSettingsMutation);
  const settings = saveState.data?.updatePlatformSettings ?? query.data?.viewer.platform.settings;
  const [policy, setPolicy] = useState<ApprovalPolicy>('NONE');
  const [threshold, setThreshold] = useState('');
  const [saved, setSaved] = useState(false);
  const [invalid, setInvalid] = useState(false);

  useEffect(() => {
    if (!query.data) return;
    const s = query.data.viewer.platform.settings;
    setPolicy(s.approvalPolicy);
    setThreshold(s.approvalThreshold === null ? '' : String(s.approvalThreshold));
  }, [query.data]);

  if (query.error && !settings) return <ErrorState error={query.error} onRetry={() => refetch({ requestPolicy: 'network-only' })} />;
  if (!settings) return <LoadingState />;

  return (
    <form
        className="card section settings-form"
        onSubmit={async (event) => {
          event.preventDefault();
          setSaved(false);
          const value = threshold.trim() === '' ? null : Number(threshold);
          const bad = value !== null && (!Number.isInteger(value) || value < 0);
          if (bad || (policy === 'ABOVE_THRESHOLD' && value === null)) {
            setInvalid(true);
            return;
          }
          const result = await save({ input: { approvalPolicy: policy, approvalThreshold: value } });
          if (result.data) setSaved(true);
        }}
      >
        <fieldset className="radio-group" disabled={!isAdmin || saveState.fetching}>
          <legend>{t('approvalSettings.legend')}</legend>
          {POLICIES.map((p) => (
            <label key={p} className="radio-option">
              <input
                type="radio"
                name="approvalPolicy"
                value={p}
                checked={policy === p}
                onChange={() => {
                  setPolicy(p);
                  setSaved(false);
                }}
              />
              <span>
                <strong>{t(`approvalSettings.${p}`)}</strong>
                <span className="muted small block">{t(`approvalSettings.${p}.hint`)}</span>
              </span>
            </label>
          ))}
          {policy === 'ABOVE_THRESHOLD' ? (
            <div className="field">
              <label htmlFor={thresholdId}>{t('approvalSettings.threshold')}</label>
              <input
                id={thresholdId}
                type="number"
                min={0}
                step={1}
                inputMode="numeric"
                value={threshold}
                aria-invalid={invalid || undefined}
                aria-describedby={invalid ? thresholdHintId : undefined}
                onChange={(event) => {
                  setThreshold(event.target.value);
                  setInvalid(false);
                  setSaved(false);
                }}
              />
              {invalid ? (
                <p id={thresholdHintId} className="field-error" role="alert">
                  {t('approvalSettings.thresholdInvalid')}
                </p>
              ) : null}
            </div>
          ) : null}
        </fieldset>
        <p className="muted small">
          {settings.updatedAt && settings.updatedBy
            ? t('approvalSettings.lastChange', { by: settings.updatedBy, at: dateTime(settings.updatedAt) })
            : t('approvalSettings.defaults')}
        </p>
        {saveState.error ? (
          <p className="notice notice-danger" role="alert">
            {saveState.error.graphQLErrors[0]?.message ?? t('common.networkError')}
          </p>
        ) : null}
        {saved ? (
          <p className="notice notice-success" role="status">
            {t('approvalSettings.saved')}
          </p>
        ) : null}
        {isAdmin ? (
          <button type="submit" className="button button-primary" disabled={saveState.fetching}>
            {saveState.fetching ? <Spinner label={t('approvalSettings.saving')} /> : t('approvalSettings.save')}
          </button>
        ) : (
          <Notice>{t('approvalSettings.viewerReason')}</Notice>
        )}
      </form>
  );
}
