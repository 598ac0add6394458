import { useEffect } from 'react';
import { Notice, PageHeader } from '../../components/ui';
import { useI18n } from '../../i18n/i18n';
import { Link, navigate } from '../../lib/router';
import { useSession } from '../../session';
import { NotFoundPage } from '../NotFoundPage';
import { SETTINGS_PAGES } from './settings-pages';

/** /settings and /settings/<page>: a sub-navigation beside the page of one concern. */
export function SettingsLayout({ pathname }: { pathname: string }) {
  const { t } = useI18n();
  const { isAdmin } = useSession();
  const rest = pathname.replace(/^\/settings\/?/, '').replace(/\/+$/, '');
  const page = SETTINGS_PAGES.find((p) => p.path === rest);

  useEffect(() => {
    if (rest === '') navigate(`/settings/${SETTINGS_PAGES[0].path}`, { replace: true });
  }, [rest]);
  if (rest === '') return null;
  if (!page) return <NotFoundPage />;

  return (
    <div className="settings">
      <nav className="settings-nav" aria-label={t('settings.nav.label')}>
        <p className="settings-nav-title">{t('settings.title')}</p>
        <ul>
          {SETTINGS_PAGES.map((entry) => (
            <li key={entry.path}>
              <Link
                to={`/settings/${entry.path}`}
                className="settings-nav-link"
                aria-current={entry.path === page.path ? 'page' : undefined}
              >
                {t(entry.titleKey)}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <div className="settings-page">
        <PageHeader title={t(page.titleKey)} description={t(page.descriptionKey)} />
        {page.adminOnly && !isAdmin ? <Notice>{t('settings.adminOnly')}</Notice> : page.render()}
      </div>
    </div>
  );
}
