import { Suspense, useEffect, useState } from 'react';
import { useTranslation } from '../i18n';
import { Link, Navigate, NavLink, Outlet, useLocation, useNavigate, useOutletContext } from 'react-router';
import { api, ApiError } from '../api';
import { label } from '../format';
import type { User } from '../api/types';
import { ErrorAlert, Loading } from './ErrorAlert';
import { LanguageSwitch } from './LanguageSwitch';

type MeState =
  | { status: 'loading' }
  | { status: 'ok'; user: User }
  | { status: 'anonymous' }
  | { status: 'error'; error: unknown };

export interface StaffContext {
  user: User;
}

/**
 * Whether the user may change a study: admins and coordinators. Researchers
 * read (study, rounds, results, export) and see no link or button to the
 * panel, the invitations or any change, which the server would refuse (403).
 */
export function isWriter(user: User): boolean {
  return user.role === 'admin' || user.role === 'coordinator';
}

/** The current staff user, for pages inside the staff layout. */
export function useStaff(): StaffContext {
  return useOutletContext<StaffContext>();
}

/** The frame of every staff page: header with account, language and logout. */
export function StaffLayout() {
  const { t } = useTranslation();
  const location = useLocation();
  const navigate = useNavigate();
  const [me, setMe] = useState<MeState>({ status: 'loading' });
  const [generation, setGeneration] = useState(0);
  const [logoutError, setLogoutError] = useState<unknown>(null);
  const [loggingOut, setLoggingOut] = useState(false);

  useEffect(() => {
    const ac = new AbortController();
    api.me(ac.signal).then(
      (user) => setMe({ status: 'ok', user }),
      (error: unknown) => {
        if (ac.signal.aborted) return;
        if (error instanceof ApiError && error.status === 401) setMe({ status: 'anonymous' });
        else setMe({ status: 'error', error });
      },
    );
    return () => ac.abort();
  }, [generation]);

  async function logout() {
    setLoggingOut(true);
    setLogoutError(null);
    try {
      await api.logout();
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) {
        setLogoutError(err);
        setLoggingOut(false);
        return;
      }
    }
    void navigate('/login', { replace: true });
  }

  if (me.status === 'anonymous') {
    return <Navigate to="/login" replace state={{ from: location.pathname + location.search }} />;
  }

  return (
    <>
      <a className="skip-link" href="#main">
        {t('app.skipToContent')}
      </a>
      <header className="staff-header">
        <div className="staff-header-inner">
          <Link to="/" className="brand">
            {t('app.name')}
          </Link>
          <nav aria-label={t('app.mainNav')} className="main-nav">
            <NavLink to="/" end>
              {t('header.studies')}
            </NavLink>
            {me.status === 'ok' && me.user.role === 'admin' && <NavLink to="/users">{t('header.users')}</NavLink>}
          </nav>
          <div className="header-tools">
            {me.status === 'ok' && (
              <p className="account">
                <span className="account-email">{t('header.account', { email: me.user.email })}</span>
                <span className="account-role">{t('header.role', { role: label(t, 'roles', me.user.role) })}</span>
              </p>
            )}
            <LanguageSwitch />
            <button type="button" className="button-secondary" onClick={() => void logout()} disabled={loggingOut}>
              {loggingOut ? t('header.loggingOut') : t('header.logout')}
            </button>
          </div>
        </div>
      </header>
      <main id="main" tabIndex={-1} className="page">
        {logoutError != null && <ErrorAlert error={logoutError} />}
        {me.status === 'loading' && <Loading />}
        {me.status === 'error' && <ErrorAlert error={me.error} onRetry={() => setGeneration((g) => g + 1)} />}
        {me.status === 'ok' && (
          <Suspense fallback={<Loading />}>
            <Outlet context={{ user: me.user } satisfies StaffContext} />
          </Suspense>
        )}
      </main>
    </>
  );
}
