import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { adminUser, mockFetch, renderAt, type Handler } from '../test/utils';
import type { User } from '../api/types';

const coord: User = {
  id: 'u2',
  email: 'coord@example.org',
  name: 'Clara Koordination',
  role: 'coordinator',
  survey_ids: ['demo-2026'],
  created_at: '2026-11-01T08:00:00Z',
  updated_at: '2026-11-01T08:00:00Z',
};
const gone: User = {
  id: 'u3',
  email: 'gone@example.org',
  name: 'Gerd Gegangen',
  role: 'researcher',
  survey_ids: [],
  created_at: '2026-11-01T08:00:00Z',
  updated_at: '2026-11-20T08:00:00Z',
  disabled_at: '2026-11-20T08:00:00Z',
};

/** The user list answering from a mutable array, so a reload shows the change. */
function listOf(users: User[]): Handler {
  return () => ({ body: { users } });
}

function rowOf(email: string): HTMLElement {
  const row = screen.getByRole('rowheader', { name: new RegExp(email) }).closest('tr');
  if (!row) throw new Error(`no row for ${email}`);
  return row;
}

describe('UsersPage', () => {
  it('creates an account with its studies, and resets a password', async () => {
    const users = [adminUser, coord];
    const calls = mockFetch({
      'GET /api/v1/me': { body: adminUser },
      'GET /api/v1/users': listOf(users),
      'GET /api/v1/surveys': { body: { surveys: [{ id: 'demo-2026', title: { de: 'Demo-Studie' } }, { id: 'other', title: { de: 'Andere' } }] } },
      'POST /api/v1/users': ({ body }) => {
        const b = body as User;
        users.push({ ...coord, id: 'u9', email: b.email, role: b.role, survey_ids: b.survey_ids });
        return { status: 201, body: users[users.length - 1]! };
      },
      'PATCH /api/v1/users/u2': { body: coord },
    });
    renderAt('/users');
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Konto anlegen' }));
    const dialog = screen.getByRole('dialog', { name: 'Neues Konto' });
    await user.type(within(dialog).getByLabelText('E-Mail'), 'neu@example.org');
    await user.selectOptions(within(dialog).getByLabelText('Rolle'), 'researcher');
    await user.type(within(dialog).getByLabelText('Passwort'), 'ein-langes-Passwort');
    await user.click(await within(dialog).findByRole('checkbox', { name: 'Demo-Studie' }));
    await user.click(within(dialog).getByRole('button', { name: 'Konto anlegen' }));
    expect(await screen.findByText('Konto neu@example.org angelegt.')).toBeInTheDocument();
    const post = calls.find((c) => c.method === 'POST');
    expect(post?.body).toEqual({ email: 'neu@example.org', name: '', role: 'researcher', password: 'ein-langes-Passwort', survey_ids: ['demo-2026'] });
    expect(rowOf('neu@example.org')).toBeInTheDocument();

    await user.click(within(rowOf('coord@example.org')).getByRole('button', { name: /Bearbeiten/ }));
    const edit = screen.getByRole('dialog', { name: 'Konto coord@example.org bearbeiten' });
    await user.type(within(edit).getByLabelText(/Neues Passwort/), 'noch-ein-Passwort');
    await user.click(within(edit).getByRole('button', { name: 'Speichern' }));
    await screen.findByText('Konto coord@example.org gespeichert.');
    const patch = calls.find((c) => c.method === 'PATCH');
    expect(patch?.body).toEqual({ name: 'Clara Koordination', role: 'coordinator', survey_ids: ['demo-2026'], password: 'noch-ein-Passwort' });
  });

  it('shows each account with its state, and no way to disable oneself', async () => {
    mockFetch({
      'GET /api/v1/me': { body: adminUser },
      'GET /api/v1/users': { body: { users: [adminUser, coord, gone] } },
    });
    renderAt('/users');
    const table = await screen.findByRole('table', { name: 'Konten der Mitarbeitenden' });
    expect(within(table).getAllByRole('row')).toHaveLength(4);
    expect(screen.getByRole('link', { name: 'Konten' })).toHaveAttribute('href', '/users');
    expect(screen.getByText('3 Konten, 1 gesperrt')).toBeInTheDocument();

    const own = rowOf('admin@example.org');
    expect(own).toHaveTextContent('(Sie)');
    expect(own).toHaveTextContent('aktiv');
    expect(within(own).queryByRole('button', { name: /Sperren/ })).not.toBeInTheDocument();

    const active = rowOf('coord@example.org');
    expect(active).toHaveTextContent('Koordination');
    expect(active).toHaveTextContent('demo-2026');
    expect(within(active).getByRole('button', { name: 'Sperren coord@example.org' })).toBeInTheDocument();

    const disabled = rowOf('gone@example.org');
    expect(disabled).toHaveTextContent('gesperrt seit 20.11.2026');
    expect(within(disabled).getByRole('button', { name: 'Entsperren gone@example.org' })).toBeInTheDocument();
    expect(within(disabled).queryByRole('button', { name: /^Sperren/ })).not.toBeInTheDocument();
  });

  it('disables an account only after confirming, with the CSRF token, and shows the new state', async () => {
    document.cookie = 'er_csrf=csrf-123; path=/';
    const users = [adminUser, { ...coord }];
    const calls = mockFetch({
      'GET /api/v1/me': { body: adminUser },
      'GET /api/v1/users': listOf(users),
      'POST /api/v1/users/u2/disable': () => {
        users[1] = { ...coord, disabled_at: '2026-11-26T09:00:00Z' };
        return { body: users[1] };
      },
    });
    renderAt('/users');
    await userEvent.click(await screen.findByRole('button', { name: 'Sperren coord@example.org' }));
    const dialog = screen.getByRole('dialog', { name: 'Konto coord@example.org sperren?' });
    expect(dialog).toHaveTextContent('alle offenen Sitzungen des Kontos enden sofort');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Abbrechen' }));
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    expect(calls.some((c) => c.method === 'POST')).toBe(false);
    // Focus goes back to the button that opened the dialog.
    expect(screen.getByRole('button', { name: 'Sperren coord@example.org' })).toHaveFocus();

    await userEvent.click(screen.getByRole('button', { name: 'Sperren coord@example.org' }));
    await userEvent.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Konto sperren' }));
    expect(await screen.findByText('Das Konto coord@example.org ist gesperrt.')).toBeInTheDocument();
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    const posts = calls.filter((c) => c.method === 'POST');
    expect(posts.map((c) => c.url)).toEqual(['/api/v1/users/u2/disable']);
    expect((posts[0]!.init.headers as Record<string, string>)['X-CSRF-Token']).toBe('csrf-123');
    await waitFor(() => expect(rowOf('coord@example.org')).toHaveTextContent('gesperrt seit'));
    expect(within(rowOf('coord@example.org')).getByRole('button', { name: 'Entsperren coord@example.org' })).toBeInTheDocument();
  });

  it('keeps the dialog open with the reason when the server refuses (last admin)', async () => {
    const admin2: User = { ...coord, id: 'u4', email: 'admin2@example.org', role: 'admin' };
    mockFetch({
      'GET /api/v1/me': { body: adminUser },
      'GET /api/v1/users': { body: { users: [adminUser, admin2] } },
      'POST /api/v1/users/u4/disable': {
        status: 409,
        body: { error: { code: 'conflict', message: 'the last enabled admin cannot be disabled', field: 'id' } },
      },
    });
    renderAt('/users');
    await userEvent.click(await screen.findByRole('button', { name: 'Sperren admin2@example.org' }));
    const dialog = screen.getByRole('dialog', { name: 'Konto admin2@example.org sperren?' });
    await userEvent.click(within(dialog).getByRole('button', { name: 'Konto sperren' }));
    expect(await within(dialog).findByRole('alert')).toHaveTextContent('Mindestens ein Konto mit der Rolle Administration muss aktiv bleiben');
    expect(within(dialog).getByRole('button', { name: 'Konto sperren' })).toBeEnabled();
    expect(rowOf('admin2@example.org')).toHaveTextContent('aktiv');
  });

  it('enables a disabled account after confirming', async () => {
    const users = [adminUser, { ...gone }];
    const calls = mockFetch({
      'GET /api/v1/me': { body: adminUser },
      'GET /api/v1/users': listOf(users),
      'POST /api/v1/users/u3/enable': () => {
        const { disabled_at: _, ...enabled } = gone;
        users[1] = enabled;
        return { body: enabled };
      },
    });
    renderAt('/users');
    await userEvent.click(await screen.findByRole('button', { name: 'Entsperren gone@example.org' }));
    const dialog = screen.getByRole('dialog', { name: 'Konto gone@example.org entsperren?' });
    expect(dialog).toHaveTextContent('bleiben beendet');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Konto entsperren' }));
    expect(await screen.findByText('Das Konto gone@example.org ist wieder entsperrt.')).toBeInTheDocument();
    expect(calls.filter((c) => c.method === 'POST').map((c) => c.url)).toEqual(['/api/v1/users/u3/enable']);
    await waitFor(() => expect(rowOf('gone@example.org')).toHaveTextContent('aktiv'));
  });

  it('is for admins only: no link, no list for a coordinator', async () => {
    const calls = mockFetch({ 'GET /api/v1/me': { body: coord } });
    renderAt('/users');
    expect(await screen.findByText('Nur die Administration verwaltet Konten.')).toBeInTheDocument();
    expect(screen.queryByRole('link', { name: 'Konten' })).not.toBeInTheDocument();
    expect(calls.map((c) => c.url)).not.toContain('/api/v1/users');
  });

  it('speaks English', async () => {
    const { setLanguage } = await import('../i18n');
    await setLanguage('en');
    mockFetch({
      'GET /api/v1/me': { body: adminUser },
      'GET /api/v1/users': { body: { users: [adminUser, gone] } },
    });
    renderAt('/users');
    await userEvent.click(await screen.findByRole('button', { name: 'Enable gone@example.org' }));
    expect(screen.getByRole('dialog', { name: 'Enable the account gone@example.org?' })).toBeInTheDocument();
    expect(rowOf('gone@example.org')).toHaveTextContent('disabled since');
  });
});
