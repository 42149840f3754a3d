import { useTranslation, type TFunction } from '../i18n';
import { ApiError } from '../api';

/** The message shown to the user for an error from the API client. */
export function errorText(err: unknown, t: TFunction): string {
  if (!(err instanceof ApiError)) return t('errors.generic');
  switch (err.status) {
    case 0:
      return t('errors.network');
    case 401:
      return t('errors.unauthorized');
    case 403:
      return t('errors.forbidden');
    case 404:
      return t('errors.notFound');
    case 429:
      return err.retryAfter !== undefined
        ? t('errors.rateLimited', { seconds: err.retryAfter })
        : t('errors.rateLimitedNoTime');
    case 503:
      return t('errors.unavailable');
  }
  if (err.status >= 500 || !err.message) return t('errors.generic');
  // Validation and conflict messages come from the server, meant for the user.
  return err.field ? t('errors.withField', { message: err.message, field: err.field }) : err.message;
}

export function ErrorAlert({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useTranslation();
  return (
    <div className="alert alert-error" role="alert">
      <p>{errorText(error, t)}</p>
      {onRetry && (
        <button type="button" className="button-secondary" onClick={onRetry}>
          {t('errors.retry')}
        </button>
      )}
    </div>
  );
}

export function Loading() {
  const { t } = useTranslation();
  return (
    <p className="loading" role="status">
      {t('app.loading')}
    </p>
  );
}
