import { type ReactNode, useEffect, useRef, useState } from 'react';
import { useI18n } from '../i18n/i18n';
import { Link } from '../lib/router';
import { useSession } from '../session';
import { BrandMark } from './BrandMark';
import { LanguageSelect } from './LanguageSelect';

const NAV = [
  { to: '/', key: 'nav.home', match: (p: string) => p === '/' },
  { to: '/batches', key: 'nav.batches', match: (p: string) => p.startsWith('/batches') },
  { to: '/accounts', key: 'nav.accounts', match: (p: string) => p.startsWith('/accounts') },
  { to: '/webhooks', key: 'nav.webhooks', match: (p: string) => p.startsWith('/webhooks') },
  { to: '/settings/approval', key: 'nav.settings', match: (p: string) => p.startsWith('/settings') },
] as const;

/** Set by a sign-in: the first page after it takes the focus, as a navigation would. */
let focusFirstPage = false;

/** The next page shown moves the focus to its heading (after sign-in, the sign-in form is gone). */
export function focusNextPage(): void {
  focusFirstPage = true;
}

export function Layout({ pathname, children }: { pathname: string; children: ReactNode }) {
  const { t } = useI18n();
  const { viewer, isAdmin, signOut } = useSession();
  const [signingOut, setSigningOut] = useState(false);
  const firstRender = useRef(true);

  // Moves focus to the new page's heading after client-side navigation, so screen readers
  // announce it and keyboard users start from the top of the content.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on purpose after each navigation
  useEffect(() => {
    if (firstRender.current) {
      firstRender.current = false;
      if (!focusFirstPage) return;
      focusFirstPage = false;
    }
    window.scrollTo(0, 0);
    document.querySelector<HTMLElement>('main h1')?.focus();
  }, [pathname]);

  return (
    <div className="app">
      <a className="skip-link" href="#main">
        {t('nav.skip')}
      </a>
      <header className="topbar">
        <div className="topbar-inner">
          <Link to="/" className="brand" aria-label={t('app.homeLink')}>
            <BrandMark />
            <span className="brand-name">{t('app.name')}</span>
          </Link>
          <span className="platform-name" title={t('header.platform')}>
            {viewer.platform.name}
          </span>
          <nav className="nav" aria-label={t('nav.label')}>
            <ul>
              {NAV.map((item) => (
                <li key={item.to}>
                  <Link to={item.to} className="nav-link" aria-current={item.match(pathname) ? 'page' : undefined}>
                    {t(item.key)}
                  </Link>
                </li>
              ))}
            </ul>
          </nav>
          <div className="topbar-end">
            <LanguageSelect />
            <span className={`badge ${isAdmin ? 'badge-admin' : 'badge-neutral'}`} title={t(isAdmin ? 'role.ADMIN.hint' : 'role.VIEWER.hint')}>
              {t(isAdmin ? 'role.ADMIN' : 'role.VIEWER')}
            </span>
            {viewer.email ? <span className="user-email">{viewer.email}</span> : null}
            <button
              type="button"
              className="button button-ghost"
              disabled={signingOut}
              onClick={() => {
                setSigningOut(true);
                void signOut();
              }}
            >
              {t('header.signOut')}
            </button>
          </div>
        </div>
      </header>
      <main id="main" className="main" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}

