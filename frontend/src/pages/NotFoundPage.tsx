import { useTranslation } from 'react-i18next';
import { isRouteErrorResponse, Link, useRouteError } from 'react-router';
import { errorText } from '../components/ErrorAlert';

export function NotFoundPage() {
  const { t } = useTranslation();
  return (
    <main id="main" className="page narrow">
      <title>{`${t('notFound.title')} – ${t('app.name')}`}</title>
      <h1>{t('notFound.title')}</h1>
      <p>{t('notFound.text')}</p>
      <p>
        <Link to="/">{t('notFound.home')}</Link>
      </p>
    </main>
  );
}

/** Shown when rendering a route fails, e.g. a lazy chunk that cannot be loaded. */
export function RouteError() {
  const { t } = useTranslation();
  const err = useRouteError();
  if (isRouteErrorResponse(err) && err.status === 404) return <NotFoundPage />;
  return (
    <main id="main" className="page narrow">
      <h1>{t('errors.title')}</h1>
      <div className="alert alert-error" role="alert">
        <p>{errorText(err, t)}</p>
      </div>
      <p>
        <button type="button" className="button-secondary" onClick={() => window.location.reload()}>
          {t('errors.retry')}
        </button>
      </p>
    </main>
  );
}
