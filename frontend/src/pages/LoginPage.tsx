import { useState, type FormEvent } from 'react';
import { Button, FieldError, Form, Input, Label, TextField } from 'react-aria-components';
import { useTranslation } from 'react-i18next';
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
        setFieldErrors({ [err.field]: err.message });
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
        <Form className="form" onSubmit={(e) => void submit(e)} validationBehavior="aria" validationErrors={fieldErrors}>
          <TextField
            className="field"
            name="email"
            type="email"
            autoComplete="username"
            isRequired
            value={email}
            onChange={setEmail}
          >
            <Label>{t('login.email')}</Label>
            <Input spellCheck={false} autoCapitalize="none" />
            <FieldError className="field-error" />
          </TextField>
          <TextField
            className="field"
            name="password"
            type="password"
            autoComplete="current-password"
            isRequired
            value={password}
            onChange={setPassword}
          >
            <Label>{t('login.password')}</Label>
            <Input />
            <FieldError className="field-error" />
          </TextField>
          <Button type="submit" className="button-primary" isPending={busy}>
            {busy ? t('login.submitting') : t('login.submit')}
          </Button>
        </Form>
        <p className="muted small">{t('login.expertHint')}</p>
      </main>
    </div>
  );
}

export default LoginPage;
