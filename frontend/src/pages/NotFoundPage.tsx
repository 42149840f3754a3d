import { Component, type ErrorInfo, type ReactNode } from 'react';
import { Link } from 'react-router';
import { errorText } from '../components/ErrorAlert';
import { useTranslation } from '../i18n';

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
export function RouteError({ error }: { error: unknown }) {
  const { t } = useTranslation();
  return (
    <main id="main" className="page narrow">
      <h1>{t('errors.title')}</h1>
      <div className="alert alert-error" role="alert">
        <p>{errorText(error, t)}</p>
      </div>
      <p>
        <button type="button" className="button-secondary" onClick={() => window.location.reload()}>
          {t('errors.retry')}
        </button>
      </p>
    </main>
  );
}

/** Catches a failing page and shows RouteError instead (key it by the path to reset it on navigation). */
export class RouteErrorBoundary extends Component<{ children: ReactNode }, { error: unknown; failed: boolean }> {
  state = { error: null as unknown, failed: false };

  static getDerivedStateFromError(error: unknown) {
    return { error, failed: true };
  }

  componentDidCatch(error: unknown, info: ErrorInfo) {
    console.error('page failed', error, info.componentStack);
  }

  render() {
    return this.state.failed ? <RouteError error={this.state.error} /> : this.props.children;
  }
}
