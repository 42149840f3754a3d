import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { LANG_STORAGE_KEY } from '../i18n';
import { adminUser, mockFetch, renderAt, unauthorized } from '../test/utils';

const surveys = {
  surveys: [
    {
      id: 'kleinstadtakademie-2020',
      revision: 2,
      version: '2020-10',
      title: { de: 'Expertenbefragung Kleinstadtakademie', en: 'Small Town Academy expert survey' },
      description: { de: 'Themen, Aufgaben, Formate', en: 'Topics, tasks, formats' },
      languages: ['de', 'en'],
      status: 'draft',
      item_count: 31,
      section_count: 4,
      group_count: 8,
      updated_at: '2026-11-20T10:30:00Z',
    },
  ],
};

describe('staff shell and study list', () => {
  it('redirects to /login when /api/v1/me answers 401', async () => {
    mockFetch({ 'GET /api/v1/me': unauthorized });
    const { router } = renderAt('/');
    expect(await screen.findByRole('heading', { level: 1, name: 'Anmelden' })).toBeInTheDocument();
    expect(router.state.location.pathname).toBe('/login');
  });

  it('shows the header with e-mail and role, and the studies as links', async () => {
    mockFetch({ 'GET /api/v1/me': { body: adminUser }, 'GET /api/v1/surveys': { body: surveys } });
    renderAt('/');
    const link = await screen.findByRole('link', { name: 'Expertenbefragung Kleinstadtakademie' });
    expect(link).toHaveAttribute('href', '/surveys/kleinstadtakademie-2020');
    const header = screen.getByRole('banner');
    expect(within(header).getByText('Angemeldet als admin@example.org')).toBeInTheDocument();
    expect(within(header).getByText('Rolle: Administration')).toBeInTheDocument();
    expect(screen.getByText('4 Blöcke')).toBeInTheDocument();
    expect(screen.getByText('31 Items')).toBeInTheDocument();
    expect(screen.getByText('Entwurf')).toBeInTheDocument();
  });

  it('switches to English, remembers it, and shows English study titles', async () => {
    mockFetch({ 'GET /api/v1/me': { body: adminUser }, 'GET /api/v1/surveys': { body: surveys } });
    renderAt('/');
    await screen.findByRole('heading', { level: 1, name: 'Studien' });
    const group = screen.getByRole('group', { name: 'Sprache' });
    const english = within(group).getByRole('button', { name: 'English' });
    expect(english).toHaveAttribute('aria-pressed', 'false');

    await userEvent.setup().click(english);

    expect(await screen.findByRole('heading', { level: 1, name: 'Studies' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Small Town Academy expert survey' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Log out' })).toBeInTheDocument();
    expect(screen.getByRole('group', { name: 'Language' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'English' })).toHaveAttribute('aria-pressed', 'true');
    expect(localStorage.getItem(LANG_STORAGE_KEY)).toBe('en');
    expect(document.documentElement.lang).toBe('en');
  });

  it('shows an empty state when there are no studies', async () => {
    mockFetch({ 'GET /api/v1/me': { body: adminUser }, 'GET /api/v1/surveys': { body: { surveys: [] } } });
    renderAt('/');
    expect(await screen.findByText(/Noch keine Studien vorhanden/)).toBeInTheDocument();
  });

  it('logs out with the CSRF token and returns to the login page', async () => {
    document.cookie = 'er_csrf=csrf-value; path=/';
    const calls = mockFetch({
      'GET /api/v1/me': { body: adminUser },
      'GET /api/v1/surveys': { body: surveys },
      'POST /api/v1/auth/logout': { status: 204 },
    });
    const { router } = renderAt('/');
    await userEvent.setup().click(await screen.findByRole('button', { name: 'Abmelden' }));

    expect(await screen.findByRole('heading', { level: 1, name: 'Anmelden' })).toBeInTheDocument();
    expect(router.state.location.pathname).toBe('/login');
    const logout = calls.find((c) => c.url === '/api/v1/auth/logout');
    expect(logout?.method).toBe('POST');
    expect((logout?.init.headers as Record<string, string>)['X-CSRF-Token']).toBe('csrf-value');
  });

  it('renders the expert link page outside the staff shell, without calling /me', async () => {
    const calls = mockFetch({});
    renderAt('/p/secret-token-123');
    // The link is exchanged for an expert session (unknown here: 404).
    expect(await screen.findByRole('alert')).toHaveTextContent('Dieser Link ist nicht gültig');
    expect(screen.queryByText(/secret-token-123/)).toBeNull();
    expect(screen.queryByRole('button', { name: 'Abmelden' })).toBeNull();
    await waitFor(() => expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual(['POST /api/v1/participation/session']));
  });

  it('shows a not-found page for unknown paths', async () => {
    mockFetch({});
    renderAt('/no/such/page');
    expect(await screen.findByRole('heading', { level: 1, name: 'Seite nicht gefunden' })).toBeInTheDocument();
  });
});
