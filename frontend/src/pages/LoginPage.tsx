import { useId, useState, type FormEvent } from 'react';
import { useTranslation } from '../i18n';
import { useLocation, useNavigate } from 'react-router';
import { api, ApiError } from '../api';
import { errorText } from '../components/ErrorAlert';
import { LanguageSwitch } from '../components/LanguageSwitch';

type FieldErrors = Partial<Record<'email' | 'password', string>>;

/** Where to go after login: the page that sent us here, if it is one of ours. */
function target(state: unknown): string {
  const from = (state as { from?: unknown } | null)?.from;
  return typeof from === 'string' && from.startsWith('/') && !from.startsWith('//') && from !== '/login'
    ? from
    : '/';
}

export function LoginPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const location = useLocation();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({});

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    if (busy) return;
    const missing: FieldErrors = {};
    if (!email.trim()) missing.email = t('login.emailRequired');
    if (!password) missing.password = t('login.passwordRequired');
    setFieldErrors(missing);
    setError(null);
    if (missing.email || missing.password) return;

    setBusy(true);
    try {
      await api.login(email.trim(), password);
      void navigate(target(location.state), { replace: true });
    } catch (err) {
      setBusy(false);
      setPassword('');
      if (err instanceof ApiError && err.status === 422 && (err.field === 'email' || err.field === 'password')) {
        setFieldErrors({ [err.field]: errorText(err, t, { withField: false }) });
      } else {
        setError(err);
      }
    }
  }

  const message =
    error instanceof ApiError && error.status === 401 ? t('login.invalidCredentials') : error ? errorText(error, t) : '';

  return (
    <div className="login-page">
      <header className="login-header">
        <p className="brand">{t('app.name')}</p>
        <LanguageSwitch />
      </header>
      <main id="main" className="login-main">
        <title>{`${t('login.title')} – ${t('app.name')}`}</title>
        <h1>{t('login.title')}</h1>
        <p className="muted">{t('login.intro')}</p>
        {message && (
          <div className="alert alert-error" role="alert">
            <p>{message}</p>
          </div>
        )}
        <form className="form" onSubmit={(e) => void submit(e)} noValidate>
          <LoginField
            name="email"
            type="email"
            label={t('login.email')}
            autoComplete="username"
            value={email}
            onChange={setEmail}
            error={fieldErrors.email}
          />
          <LoginField
            name="password"
            type="password"
            label={t('login.password')}
            autoComplete="current-password"
            value={password}
            onChange={setPassword}
            error={fieldErrors.password}
          />
          <button type="submit" className="button-primary" disabled={busy} aria-disabled={busy || undefined}>
            {busy ? t('login.submitting') : t('login.submit')}
          </button>
        </form>
        <p className="muted small">{t('login.expertHint')}</p>
      </main>
    </div>
  );
}

export default LoginPage;

/** A labelled, required input with its error below it (aria-invalid, aria-describedby). */
function LoginField(props: {
  name: 'email' | 'password';
  type: 'email' | 'password';
  label: string;
  autoComplete: string;
  value: string;
  onChange: (v: string) => void;
  error?: string | undefined;
}) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <input
        id={id}
        name={props.name}
        type={props.type}
        autoComplete={props.autoComplete}
        required
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={props.error ? `${id}-error` : undefined}
        {...(props.type === 'email' ? { spellCheck: false, autoCapitalize: 'none' } : {})}
      />
      {props.error && (
        <p id={`${id}-error`} className="field-error">
          {props.error}
        </p>
      )}
    </div>
  );
}
