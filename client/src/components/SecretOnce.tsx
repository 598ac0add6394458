import { useEffect, useId, useRef, useState } from 'react';
import { useI18n } from '../i18n/i18n';

/**
 * A secret (or a one-use link) shown once, focused and selected, with a copy button. Closing it
 * forgets the value: the server never shows it again.
 */
export function SecretOnce({ title, body, label, value, onDone }: { title: string; body: string; label: string; value: string; onDone(): void }) {
  const { t } = useI18n();
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  const fieldId = useId();
  const titleId = useId();
  const fieldRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    fieldRef.current?.focus();
  }, []);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied('yes');
    } catch {
      fieldRef.current?.select();
      setCopied('failed');
    }
  };

  return (
    <section className="section notice notice-success" aria-labelledby={titleId}>
      <h2 id={titleId} className="notice-title">
        {title}
      </h2>
      <p>{body}</p>
      <div className="secret-row">
        <label htmlFor={fieldId} className="visually-hidden">
          {label}
        </label>
        <input ref={fieldRef} id={fieldId} className="mono secret" readOnly value={value} onFocus={(event) => event.target.select()} />
        <button type="button" className="button" onClick={copy}>
          {t('secret.copy')}
        </button>
        <button type="button" className="button button-ghost" onClick={onDone}>
          {t('secret.done')}
        </button>
      </div>
      <p aria-live="polite" className="small">
        {copied === 'yes' ? t('secret.copied') : copied === 'failed' ? t('secret.copyFailed') : ''}
      </p>
    </section>
  );
}
