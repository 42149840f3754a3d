import { useTranslation, type TFunction } from '../i18n';
import { ApiError } from '../api';

const MISSING = '\u0000';

/** An error whose message is already in the UI language: a page's own words for a refusal it understands. */
export class LocalizedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LocalizedError';
  }
}

/**
 * The message shown to the user for an error from the API client: the
 * translation of the error's reason (errors.reason.<reason>) or else its code
 * (errors.code.<code>), with the error's params and field, so the UI speaks its own language; the server's
 * (English) message only for a code this UI does not know yet.
 * withField: false leaves out "(field: x)", where the field is shown anyway.
 */
export function errorText(err: unknown, t: TFunction, { withField = true }: { withField?: boolean } = {}): string {
  if (err instanceof LocalizedError) return err.message;
  if (!(err instanceof ApiError)) return t('errors.generic');
  const code = err.status === 0 ? 'network' : err.code;
  if (code === 'rate_limited' && err.retryAfter !== undefined) return t('errors.rateLimited', { seconds: err.retryAfter });
  const vars = { ...err.params, ...(err.field ? { field: err.field } : {}) };
  const tr = (key: string) => (t as (k: string, o: Record<string, unknown>) => string)(key, { ...vars, defaultValue: MISSING });
  // The reason's text where the server names one and this UI knows it, else the code's.
  const byReason = err.reason ? tr(`errors.reason.${err.reason}`) : MISSING;
  const known = byReason !== MISSING ? byReason : tr(`errors.code.${code}`);
  const text = known !== MISSING ? known : err.message || t('errors.generic');
  if (code === 'internal' || code === 'network' || code === 'unavailable') return text;
  return withField && err.field ? t('errors.withField', { message: text, field: err.field }) : text;
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
