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
  { to: '/settings', key: 'nav.settings', match: (p: string) => p.startsWith('/settings') },
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
  const [menuOpen, setMenuOpen] = useState(false);
  const menuButton = useRef<HTMLButtonElement>(null);
  const shownPath = useRef(pathname);

  // A navigation closes the narrow-screen menu (the new page takes the focus, below).
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on purpose after each navigation
  useEffect(() => {
    setMenuOpen(false);
  }, [pathname]);

  // Escape closes the menu from anywhere and gives the focus back to the button that opened it.
  useEffect(() => {
    if (!menuOpen) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== 'Escape') return;
      setMenuOpen(false);
      menuButton.current?.focus();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [menuOpen]);

  // Moves focus to the new page's heading after client-side navigation, so screen readers
  // announce it and keyboard users start from the top of the content.
  // Compared with the path already shown (not a first-render flag), so an effect run twice, or a
  // re-render on the same page, never steals the focus from the skip link a visitor is about to reach.
  useEffect(() => {
    if (shownPath.current === pathname && !focusFirstPage) return;
    shownPath.current = pathname;
    focusFirstPage = false;
    window.scrollTo(0, 0);
    document.querySelector<HTMLElement>('main h1')?.focus();
  }, [pathname]);

  return (
    <div className="app">
      {/* A plain in-page link: the browser moves the focus to <main tabindex="-1">, with or without JS. */}
      <a className="skip-link" href="#main">
        {t('nav.skip')}
      </a>
      <header className={`topbar${menuOpen ? ' topbar-menu-open' : ''}`}>
        <div className="topbar-inner">
          <Link to="/" className="brand" aria-label={t('app.homeLink')}>
            <BrandMark />
            <span className="brand-name">{t('app.name')}</span>
          </Link>
          {/* Two lines at most, then an ellipsis: the full name is the title and the accessible text. */}
          <span className="platform-name" title={viewer.platform.name}>
            <span className="visually-hidden">{t('header.platform')}: </span>
            {viewer.platform.name}
          </span>
          <button
            ref={menuButton}
            type="button"
            className="menu-button"
            aria-expanded={menuOpen}
            aria-controls="site-menu"
            onClick={() => setMenuOpen((open) => !open)}
          >
            <span className="menu-icon" aria-hidden="true" />
            {t('header.menu')}
          </button>
          <div id="site-menu" className="site-menu">
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
            {viewer.email ? (
              <span className="user-email" title={viewer.email}>
                {viewer.email}
              </span>
            ) : null}
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
        </div>
      </header>
      <main id="main" className="main" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}

