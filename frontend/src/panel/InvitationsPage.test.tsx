import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { fixtureSurvey } from '../test/fixture';
import { adminUser, mockFetch, renderAt } from '../test/utils';
import type { MailStatus, ResponseRates } from '../api/types';

const round = '/api/v1/surveys/demo-2026/rounds/1';
const rate = (count: number, percent: string) => ({ count, percent });
const rates: ResponseRates = {
  round: 1,
  groups: [],
  total: { group: '', panel: 310, invited: rate(120, '39'), invited_by: { mail: 120, file: 0 }, opened: rate(50, '16'), started: rate(40, '13'), submitted: rate(30, '10') },
  panel: 310,
  invited: 120,
  invited_by: { mail: 120, file: 0 },
  opened: 50,
  started: 40,
  submitted: 30,
  by_group: {},
};
const status: MailStatus = {
  round: 1,
  invitations: { total: 310, sent: 120, pending: 188, failed: 2, skipped: 0 },
  reminders: { total: 0, sent: 0, pending: 0, failed: 0, skipped: 0 },
  failures: [
    {
      send_id: 's1',
      expert_id: 'x1',
      pseudonym: 'E-7K3M',
      name: 'Anna Alt',
      email: 'anna@example.org',
      kind: 'invite',
      status: 'failed',
      attempts: 1,
      error: '550 5.1.1 mailbox unavailable: no such user here',
      at: '2026-11-26T09:00:00Z',
    },
  ],
  jobs: [],
  running: false,
  smtp_enabled: true,
};

function handlers(extra = {}) {
  return {
    'GET /api/v1/me': { body: adminUser },
    'GET /api/v1/surveys/demo-2026': { body: fixtureSurvey },
    'GET /api/v1/surveys/demo-2026/rounds': { body: { time_zone: 'Europe/Berlin', planned: 2, rounds: [{ number: 1, status: 'open' }] } },
    [`GET ${round}/progress`]: { body: rates },
    [`GET ${round}/invitations`]: { body: status },
    [`GET ${round}/mail`]: { body: { round: 1, languages: ['de', 'en'], mail: {}, defaults: { de: { subject: 'Einladung: Demo' }, en: { subject: 'Invitation: Demo' } } } },
    [`GET ${round}/mail/preview?lang=de&kind=invite`]: { body: { subject: 'Einladung: Demo', text: 'Guten Tag', html: '<p>Guten Tag</p>' } },
    ...extra,
  };
}

describe('InvitationsPage', () => {
  it('without SMTP says so, disables sending and offers the links download', async () => {
    mockFetch(handlers({ [`GET ${round}/invitations`]: { body: { ...status, smtp_enabled: false, failures: [] } } }));
    renderAt('/surveys/demo-2026/rounds/1/invitations');
    expect(await screen.findByRole('heading', { name: 'E-Mail ist nicht eingerichtet' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Einladungen senden' })).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Erinnerungen senden' })).toBeDisabled();
    await userEvent.setup().click(screen.getByRole('button', { name: 'Links herunterladen …' }));
    expect(await screen.findByRole('button', { name: 'Als CSV herunterladen' })).toBeEnabled();
  });

  it('shows an empty state before round 1 exists, without asking for a missing round', async () => {
    const calls = mockFetch(handlers({ 'GET /api/v1/surveys/demo-2026/rounds': { body: { time_zone: 'Europe/Berlin', planned: 2, rounds: [] } } }));
    renderAt('/surveys/demo-2026/rounds/1/invitations');
    expect(await screen.findByText(/Es gibt noch keine Runde/)).toBeInTheDocument();
    expect(screen.queryByText('Nicht gefunden.')).toBeNull();
    expect(screen.getByRole('link', { name: 'Zu den Runden' })).toHaveAttribute('href', '/surveys/demo-2026/rounds');
    expect(calls.some((c) => c.url.startsWith(round))).toBe(false);
  });

  it('shows progress, failures with their SMTP error, and sends with an Idempotency-Key', async () => {
    const calls = mockFetch(
      handlers({
        [`POST ${round}/invitations`]: { status: 202, body: { job: { id: 'j1', kind: 'invite', status: 'running', queued: 188, skipped: { declined: 3 }, keep_links: false, created_at: '2026-11-26T09:00:00Z' } } },
        [`POST ${round}/invitations/retry`]: { status: 202, body: { retried: 1 } },
      }),
    );
    renderAt('/surveys/demo-2026/rounds/1/invitations');
    expect(await screen.findByText('120 von 310 versendet, 2 fehlgeschlagen (188 warten)')).toBeInTheDocument();
    expect(screen.getByText('550 5.1.1 mailbox unavailable: no such user here')).toBeInTheDocument();
    expect(screen.getByRole('row', { name: /Gesamt/ })).toHaveTextContent('30 (10 %)');

    await userEvent.click(screen.getByRole('button', { name: 'Einladungen senden' }));
    await userEvent.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Jetzt senden' }));
    await waitFor(() => expect(calls.some((c) => c.method === 'POST' && c.url === `${round}/invitations`)).toBe(true));
    const post = calls.find((c) => c.method === 'POST' && c.url === `${round}/invitations`)!;
    const headers = post.init.headers as Record<string, string>;
    expect(headers['Idempotency-Key']).toMatch(/^[0-9a-f]{32}$/);
    expect(post.body).toEqual({ group: '', keep_links: false });
    expect(await screen.findByText(/Einladung, 188 in der Warteschlange \(Teilnahme beendet: 3\)/)).toBeInTheDocument();

    await userEvent.click(screen.getByRole('button', { name: 'Fehlgeschlagene erneut senden' }));
    await userEvent.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Fehlgeschlagene erneut senden' }));
    await waitFor(() => expect(calls.some((c) => c.url === `${round}/invitations/retry`)).toBe(true));
  });

  it('tells researchers that sending is for coordinators but shows the response rates', async () => {
    mockFetch(
      handlers({
        'GET /api/v1/me': { body: { ...adminUser, role: 'researcher' } },
        [`GET ${round}/invitations`]: { status: 403, body: { error: { code: 'forbidden', message: 'no' } } },
      }),
    );
    renderAt('/surveys/demo-2026/rounds/1/invitations');
    expect(await screen.findByText(/Nur Koordination und Administration/)).toBeInTheDocument();
    expect(screen.getByRole('figure', { name: /Rücklauf in Runde 1/ })).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Einladungen senden' })).not.toBeInTheDocument();
  });
});
