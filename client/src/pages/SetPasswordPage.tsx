import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { BrandMark } from '../components/BrandMark';
import { LanguageSelect } from '../components/LanguageSelect';
import { Spinner, usePageTitle } from '../components/ui';
import { useI18n } from '../i18n/i18n';
import { Link } from '../lib/router';

/** Mirrors the server's length rule, to say so before a round trip; the server decides. */
const MIN_LENGTH = 12;

type Failure = 'INVALID_TOKEN' | 'TOO_SHORT' | 'TOO_LONG' | 'COMMON' | 'CONTAINS_EMAIL' | 'MISMATCH' | 'RATE_LIMITED' | 'network' | 'server';

/**
 * /set-password#token=…: where a new member (or one who lost their password) sets it with the
 * one-use link an admin handed them. The token stays in the fragment, never sent to a server log.
 */
export function SetPasswordPage() {
  const { t } = useI18n();
  usePageTitle(t('setPassword.title'));
  const [token] = useState(() => new URLSearchParams(window.location.hash.slice(1)).get('token') ?? '');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<Failure | null>(token ? null : 'INVALID_TOKEN');
  const [doneEmail, setDoneEmail] = useState<string | null>(null);
  const passwordId = useId();
  const confirmId = useId();
  const errorId = useId();
  const hintId = useId();
  const passwordRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    passwordRef.current?.focus();
  }, []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    if ([...password].length < MIN_LENGTH) {
      setFailure('TOO_SHORT');
      return;
    }
    if (password !== confirm) {
      setFailure('MISMATCH');
      return;
    }
    setBusy(true);
    setFailure(null);
    try {
      const res = await fetch('/auth/set-password', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ token, password }),
      });
      const body = (await res.json().catch(() => ({}))) as { email?: string; error?: { code?: string; reason?: string } };
      if (res.ok && body.email) {
        // The link is spent: drop it from the address bar and the history entry.
        window.history.replaceState(null, '', '/set-password');
        setDoneEmail(body.email);
      } else if (res.status === 410) setFailure('INVALID_TOKEN');
      else if (res.status === 429) setFailure('RATE_LIMITED');
      else if (res.status === 400 && body.error?.reason) setFailure(body.error.reason as Failure);
      else setFailure('server');
    } catch {
      setFailure('network');
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="signin">
      <div className="signin-lang">
        <LanguageSelect />
      </div>
      <main className="signin-card" id="main">
        <div className="brand brand-large">
          <BrandMark />
          <span className="brand-name">{t('app.name')}</span>
        </div>
        <h1>{t('setPassword.title')}</h1>
        {doneEmail ? (
          <>
            <div className="notice notice-success" role="status">
              {t('setPassword.done', { email: doneEmail })}
            </div>
            <Link to="/sign-in" className="button button-primary button-block">
              {t('setPassword.signIn')}
            </Link>
          </>
        ) : (
          <>
            <p className="muted">{t('setPassword.intro')}</p>
            <form onSubmit={submit} noValidate aria-describedby={failure ? errorId : undefined}>
              {failure ? (
                <div className="notice notice-danger" id={errorId} role="alert">
                  {t(`setPassword.error.${failure}`, { min: MIN_LENGTH })}
                </div>
              ) : null}
              <div className="field">
                <label htmlFor={passwordId}>{t('setPassword.password')}</label>
                <input
                  ref={passwordRef}
                  id={passwordId}
                  type="password"
                  autoComplete="new-password"
                  value={password}
                  aria-describedby={hintId}
                  aria-invalid={failure && failure !== 'INVALID_TOKEN' && failure !== 'MISMATCH' ? true : undefined}
                  onChange={(event) => setPassword(event.target.value)}
                />
                <p id={hintId} className="muted small">
                  {t('setPassword.hint', { min: MIN_LENGTH })}
                </p>
              </div>
              <div className="field">
                <label htmlFor={confirmId}>{t('setPassword.confirm')}</label>
                <input
                  id={confirmId}
                  type="password"
                  autoComplete="new-password"
                  value={confirm}
                  aria-invalid={failure === 'MISMATCH' ? true : undefined}
                  onChange={(event) => setConfirm(event.target.value)}
                />
              </div>
              <button type="submit" className="button button-primary button-block" disabled={busy || !token} aria-busy={busy}>
                {busy ? <Spinner label={t('setPassword.submitting')} /> : t('setPassword.submit')}
              </button>
            </form>
          </>
        )}
      </main>
    </div>
  );
}
