import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { adminUser, mockFetch, renderAt, unauthorized } from '../test/utils';

const loginOk = {
  body: { token: 'jwt', expires_at: '2026-11-27T00:00:00Z', user: adminUser },
};

async function fillAndSubmit(email: string, password: string) {
  const user = userEvent.setup();
  await user.type(await screen.findByLabelText('E-Mail-Adresse'), email);
  await user.type(screen.getByLabelText('Passwort'), password);
  await user.click(screen.getByRole('button', { name: 'Anmelden' }));
  return user;
}

describe('LoginPage', () => {
  it('submits e-mail and password and opens the study list', async () => {
    const calls = mockFetch({
      'POST /api/v1/auth/login': loginOk,
      'GET /api/v1/me': { body: adminUser },
      'GET /api/v1/surveys': { body: { surveys: [] } },
    });
    const { router } = renderAt('/login');
    expect(await screen.findByRole('heading', { level: 1, name: 'Anmelden' })).toBeInTheDocument();
    await fillAndSubmit(' admin@example.org ', 'correct horse battery');

    expect(await screen.findByRole('heading', { level: 1, name: 'Studien' })).toBeInTheDocument();
    expect(router.state.location.pathname).toBe('/');
    const login = calls.find((c) => c.method === 'POST');
    expect(login?.url).toBe('/api/v1/auth/login');
    expect(login?.body).toEqual({ email: 'admin@example.org', password: 'correct horse battery' });
    expect((login?.init.headers as Record<string, string>)['Content-Type']).toBe('application/json');
  });

  it('shows a clear message on wrong credentials (401) and clears the password', async () => {
    mockFetch({
      'POST /api/v1/auth/login': { status: 401, body: { error: { code: 'unauthorized', message: 'bad credentials' } } },
    });
    const { router } = renderAt('/login');
    await fillAndSubmit('admin@example.org', 'wrong-password');

    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('E-Mail-Adresse oder Passwort ist falsch.');
    expect(screen.getByLabelText('Passwort')).toHaveValue('');
    expect(router.state.location.pathname).toBe('/login');
  });

  it('shows the seconds from Retry-After on 429', async () => {
    mockFetch({
      'POST /api/v1/auth/login': {
        status: 429,
        headers: { 'Retry-After': '30' },
        body: { error: { code: 'rate_limited', message: 'too many attempts' } },
      },
    });
    renderAt('/login');
    await fillAndSubmit('admin@example.org', 'whatever-password');

    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Zu viele Versuche. Bitte versuchen Sie es in 30 s erneut.',
    );
  });

  it('marks the field named by a 422 error', async () => {
    mockFetch({
      'POST /api/v1/auth/login': {
        status: 422,
        body: { error: { code: 'invalid', message: 'is not a valid e-mail address', field: 'email' } },
      },
    });
    renderAt('/login');
    await fillAndSubmit('not-an-address', 'whatever-password');

    const email = screen.getByLabelText('E-Mail-Adresse');
    await waitFor(() => expect(email).toHaveAttribute('aria-invalid', 'true'));
    // The code's text in the UI language, not the server's English message.
    expect(email).toHaveAccessibleDescription('Die Angaben sind nicht gültig. Bitte prüfen Sie sie.');
  });

  it('asks for missing fields without calling the server', async () => {
    const calls = mockFetch({});
    renderAt('/login');
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Anmelden' }));

    expect(await screen.findByText('Bitte geben Sie Ihre E-Mail-Adresse ein.')).toBeInTheDocument();
    expect(screen.getByText('Bitte geben Sie Ihr Passwort ein.')).toBeInTheDocument();
    expect(calls).toHaveLength(0);
  });

  it('returns to the page that required the login', async () => {
    let loggedIn = false;
    mockFetch({
      'GET /api/v1/me': () => (loggedIn ? { body: adminUser } : unauthorized),
      'POST /api/v1/auth/login': () => {
        loggedIn = true;
        return loginOk;
      },
      'GET /api/v1/surveys/demo': { status: 404, body: { error: { code: 'not_found', message: 'no such survey' } } },
    });
    const { router } = renderAt('/surveys/demo');
    await screen.findByRole('heading', { level: 1, name: 'Anmelden' });
    expect(router.state.location.pathname).toBe('/login');
    await fillAndSubmit('admin@example.org', 'correct horse battery');
    await waitFor(() => expect(router.state.location.pathname).toBe('/surveys/demo'));
    expect(await screen.findByRole('alert')).toHaveTextContent('Nicht gefunden.');
  });
});
