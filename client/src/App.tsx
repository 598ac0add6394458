import { type ReactNode, useCallback, useEffect, useMemo, useState } from 'react';
import { Provider, useQuery } from 'urql';
import { focusNextPage, Layout } from './components/Layout';
import { ErrorState, LoadingState } from './components/ui';
import { ViewerQuery } from './graphql/documents';
import { I18nProvider } from './i18n/i18n';
import { createGraphqlConnection, type GraphqlConnection, isUnauthenticated } from './lib/graphql-client';
import { matchPath, navigate, useLocation } from './lib/router';
import { AccountsPage } from './pages/AccountsPage';
import { BatchesPage } from './pages/BatchesPage';
import { BatchPage } from './pages/BatchPage';
import { HomePage } from './pages/HomePage';
import { NewBatchPage } from './pages/NewBatchPage';
import { NotFoundPage } from './pages/NotFoundPage';
import { ApprovalSettingsPage } from './pages/settings/ApprovalSettingsPage';
import { SignInPage } from './pages/SignInPage';
import { WebhooksPage } from './pages/WebhooksPage';
import { AUTH_LOST, authEvents, postSignOut, reportAuthLost, type Session, SessionContext } from './session';

export function App() {
  return (
    <I18nProvider>
      <Root />
    </I18nProvider>
  );
}

function Root() {
  const [connection, setConnection] = useState<GraphqlConnection>(() => createGraphqlConnection(reportAuthLost));
  const [authLost, setAuthLost] = useState(false);

  useEffect(() => {
    const onLost = () => setAuthLost(true);
    authEvents.addEventListener(AUTH_LOST, onLost);
    return () => authEvents.removeEventListener(AUTH_LOST, onLost);
  }, []);

  /** A fresh client per session: no cached data or socket survives a sign-in or sign-out. */
  const renew = useCallback(() => {
    connection.dispose();
    setConnection(createGraphqlConnection(reportAuthLost));
  }, [connection]);

  const onSignedIn = useCallback(
    (next: string) => {
      renew();
      setAuthLost(false);
      focusNextPage();
      navigate(next, { replace: true });
    },
    [renew],
  );

  const signOut = useCallback(async () => {
    await postSignOut();
    renew();
    setAuthLost(true);
    navigate('/sign-in');
  }, [renew]);

  return (
    <Provider value={connection.client}>
      <Shell authLost={authLost} onSignedIn={onSignedIn} signOut={signOut} />
    </Provider>
  );
}

function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, { replace: true }), [to]);
  return null;
}

function safeNext(value: string | null): string {
  return value?.startsWith('/') && !value.startsWith('//') && !value.startsWith('/sign-in') ? value : '/';
}

function Shell({ authLost, onSignedIn, signOut }: { authLost: boolean; onSignedIn(next: string): void; signOut(): Promise<void> }) {
  const location = useLocation();
  if (location.pathname === '/sign-in') {
    return <SignInPage next={safeNext(location.search.get('next'))} onSignedIn={onSignedIn} />;
  }
  if (authLost) {
    const next = location.pathname === '/' && !location.search.size ? '' : `?next=${encodeURIComponent(location.href)}`;
    return <Redirect to={`/sign-in${next}`} />;
  }
  return <SignedIn pathname={location.pathname} signOut={signOut} />;
}

function SignedIn({ pathname, signOut }: { pathname: string; signOut(): Promise<void> }) {
  const [{ data, error, fetching }, refetch] = useQuery({ query: ViewerQuery });
  const session = useMemo<Session | null>(
    () => (data ? { viewer: data.viewer, isAdmin: data.viewer.role === 'ADMIN', signOut } : null),
    [data, signOut],
  );

  if (!session) {
    if (fetching || isUnauthenticated(error)) return <LoadingState />;
    return (
      <main className="page-center">
        <ErrorState error={error} onRetry={() => refetch({ requestPolicy: 'network-only' })} />
      </main>
    );
  }
  return (
    <SessionContext.Provider value={session}>
      <Layout pathname={pathname}>{routeFor(pathname)}</Layout>
    </SessionContext.Provider>
  );
}

function routeFor(pathname: string): ReactNode {
  if (pathname === '/') return <HomePage />;
  if (pathname === '/accounts') return <AccountsPage />;
  if (pathname === '/webhooks') return <WebhooksPage />;
  if (pathname === '/batches') return <BatchesPage />;
  if (pathname === '/batches/new') return <NewBatchPage />;
  if (pathname === '/settings' || pathname === '/settings/approval') return <ApprovalSettingsPage />;
  const batch = matchPath('/batches/:id', pathname);
  if (batch) return <BatchPage key={batch.id} id={batch.id} />;
  return <NotFoundPage />;
}
