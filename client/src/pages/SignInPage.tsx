import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { BrandMark } from '../components/BrandMark';
import { LanguageSelect } from '../components/LanguageSelect';
import { Spinner, usePageTitle } from '../components/ui';
import { useI18n } from '../i18n/i18n';
import { navigate } from '../lib/router';
import { probeSession, signIn } from '../session';

type Failure = 'credentials' | 'limited' | 'network' | 'server' | 'missing';

export function SignInPage({ next, onSignedIn }: { next: string; onSignedIn(next: string): void }) {
  const { t } = useI18n();
  usePageTitle(t('signIn.title'));
  const emailRef = useRef<HTMLInputElement>(null);
  const passwordRef = useRef<HTMLInputElement>(null);
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<Failure | null>(null);
  const errorId = useId();
  const emailId = useId();
  const passwordId = useId();

  // Already signed in (a bookmark of /sign-in, the back button): go on.
  useEffect(() => {
    let live = true;
    void probeSession().then((state) => {
      if (live && state === 'signed-in') navigate(next, { replace: true });
    });
    return () => {
      live = false;
    };
  }, [next]);

  useEffect(() => {
    emailRef.current?.focus();
  }, []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    if (!email.trim() || !password) {
      setFailure('missing');
      (email.trim() ? passwordRef : emailRef).current?.focus();
      return;
    }
    setBusy(true);
    setFailure(null);
    const result = await signIn(email.trim(), password);
    setBusy(false);
    if (result.ok) {
      onSignedIn(next);
      return;
    }
    setFailure(result.reason);
    if (result.reason === 'credentials') {
      passwordRef.current?.focus();
      passwordRef.current?.select();
    }
  };

  const describedBy = failure ? errorId : undefined;

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
        <h1>{t('signIn.title')}</h1>
        <p className="muted">{t('signIn.intro')}</p>
        <form onSubmit={submit} noValidate aria-describedby={describedBy}>
          {failure ? (
            <div className="notice notice-danger" id={errorId} role="alert">
              {t(`signIn.error.${failure}`)}
            </div>
          ) : null}
          <div className="field">
            <label htmlFor={emailId}>{t('signIn.email')}</label>
            <input
              ref={emailRef}
              id={emailId}
              type="email"
              name="email"
              autoComplete="username"
              inputMode="email"
              required
              value={email}
              aria-invalid={failure === 'credentials' || (failure === 'missing' && !email.trim()) ? true : undefined}
              onChange={(event) => setEmail(event.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor={passwordId}>{t('signIn.password')}</label>
            <input
              ref={passwordRef}
              id={passwordId}
              type="password"
              name="password"
              autoComplete="current-password"
              required
              value={password}
              aria-invalid={failure === 'credentials' || (failure === 'missing' && !password) ? true : undefined}
              onChange={(event) => setPassword(event.target.value)}
            />
          </div>
          <button type="submit" className="button button-primary button-block" disabled={busy} aria-busy={busy}>
            {busy ? <Spinner label={t('signIn.submitting')} /> : t('signIn.submit')}
          </button>
        </form>
      </main>
    </div>
  );
}
