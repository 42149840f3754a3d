import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { fixtureSurvey } from '../test/fixture';
import { adminUser, mockFetch, renderAt } from '../test/utils';
import type { Expert } from '../api/types';

const base = '/api/v1/surveys/demo-2026/experts';

function expert(over: Partial<Expert>): Expert {
  return {
    id: 'x1',
    survey_id: 'demo-2026',
    pseudonym: 'E-7K3M',
    group: 'pol',
    language: 'de',
    name: 'Anna Alt',
    email: 'anna@example.org',
    organisation: 'Stadt',
    notes: '',
    status: 'active',
    created_at: '2026-11-01T09:00:00Z',
    updated_at: '2026-11-01T09:00:00Z',
    ...over,
  };
}

const anna = expert({});
const bert = expert({ id: 'x2', pseudonym: 'E-9PQR', group: 'civ', name: 'Bert Berg', email: 'bert@example.org', language: 'en' });

describe('PanelPage', () => {
  it('filters by group, round and progress status through the API', async () => {
    const calls = mockFetch({
      'GET /api/v1/me': { body: adminUser },
      'GET /api/v1/surveys/demo-2026': { body: fixtureSurvey },
      [`GET ${base}`]: { body: { experts: [anna, bert], total: 2, counts: { active: 2 } } },
      [`GET ${base}?group=civ`]: { body: { experts: [bert], total: 2, counts: { active: 1 } } },
      [`GET ${base}?group=civ&round=1`]: {
        body: { experts: [{ ...bert, round: { invite: 'sent', reminders: 1 } }], total: 2, counts: {} },
      },
      [`GET ${base}?group=civ&status=submitted&round=1`]: { body: { experts: [], total: 2, counts: {} } },
    });
    renderAt('/surveys/demo-2026/panel');
    const table = await screen.findByRole('table', { name: 'Expertinnen und Experten des Panels' });
    expect(within(table).getAllByRole('row')).toHaveLength(3);
    expect(screen.getByText('2 von 2 Expertinnen und Experten')).toBeInTheDocument();

    const filters = screen.getByRole('search', { name: 'Filter' });
    await userEvent.selectOptions(within(filters).getByLabelText('Gruppe'), 'civ');
    await waitFor(() => expect(screen.getByText('1 von 2 Expertinnen und Experten')).toBeInTheDocument());
    const rows = within(screen.getByRole('table')).getAllByRole('row');
    expect(rows).toHaveLength(2);
    expect(rows[1]).toHaveTextContent('E-9PQR');
    expect(rows[1]).toHaveTextContent('Zivilgesellschaft');
    expect(rows[1]).not.toHaveTextContent('anna@example.org');

    // Progress statuses appear only once a round is chosen.
    const status = within(filters).getByLabelText('Status');
    expect(within(status).queryByRole('option', { name: 'abgeschickt' })).not.toBeInTheDocument();
    await userEvent.selectOptions(within(filters).getByLabelText('Runde'), '1');
    expect(await screen.findByText('eingeladen · 1 Erinnerung')).toBeInTheDocument();
    await userEvent.selectOptions(status, 'submitted');
    expect(await screen.findByText('Niemand passt zu diesen Filtern.')).toBeInTheDocument();
    expect(calls.filter((c) => c.method === 'GET' && c.url.startsWith(base)).map((c) => c.url)).toEqual([
      base,
      `${base}?group=civ`,
      `${base}?group=civ&round=1`,
      `${base}?group=civ&status=submitted&round=1`,
    ]);
  });

  it('filters on the current round from the start', async () => {
    const calls = mockFetch({
      'GET /api/v1/me': { body: adminUser },
      'GET /api/v1/surveys/demo-2026': { body: fixtureSurvey },
      'GET /api/v1/surveys/demo-2026/rounds': { body: { time_zone: 'Europe/Berlin', planned: 2, rounds: [{ number: 1 }, { number: 2 }] } },
      [`GET ${base}?round=2`]: { body: { experts: [{ ...anna, round: { invite: 'sent', reminders: 0 } }], total: 1, counts: {} } },
    });
    renderAt('/surveys/demo-2026/panel');
    await screen.findByRole('table', { name: 'Expertinnen und Experten des Panels' });
    expect(within(screen.getByRole('search', { name: 'Filter' })).getByLabelText('Runde')).toHaveValue('2');
    expect(calls.filter((c) => c.url.startsWith(base)).map((c) => c.url)).toEqual([`${base}?round=2`]);
  });

  it('erases an expert only after confirming', async () => {
    const calls = mockFetch({
      'GET /api/v1/me': { body: adminUser },
      'GET /api/v1/surveys/demo-2026': { body: fixtureSurvey },
      [`GET ${base}`]: { body: { experts: [anna], total: 1, counts: { active: 1 } } },
      [`DELETE ${base}/x1`]: { status: 204 },
    });
    renderAt('/surveys/demo-2026/panel');
    await userEvent.click(await screen.findByRole('button', { name: 'Löschen E-7K3M' }));
    const dialog = screen.getByRole('dialog', { name: 'Identität von E-7K3M löschen?' });
    expect(dialog).toHaveTextContent('pseudonymen Antworten bleiben');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Abbrechen' }));
    expect(calls.some((c) => c.method === 'DELETE')).toBe(false);

    await userEvent.click(screen.getByRole('button', { name: 'Löschen E-7K3M' }));
    await userEvent.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Endgültig löschen' }));
    expect(await screen.findByText('Die Identität von E-7K3M wurde gelöscht.')).toBeInTheDocument();
    expect(calls.filter((c) => c.method === 'DELETE').map((c) => c.url)).toEqual([`${base}/x1`]);
  });

  it('re-issues a link after a warning and shows it once', async () => {
    const link = 'https://befragung.example/p/abcDEF';
    mockFetch({
      'GET /api/v1/me': { body: adminUser },
      'GET /api/v1/surveys/demo-2026': { body: fixtureSurvey },
      [`GET ${base}`]: { body: { experts: [anna], total: 1, counts: { active: 1 } } },
      [`POST ${base}/x1/link`]: { body: { link, pseudonym: 'E-7K3M' } },
    });
    renderAt('/surveys/demo-2026/panel');
    await userEvent.click(await screen.findByRole('button', { name: 'Link kopieren E-7K3M' }));
    const warn = screen.getByRole('dialog', { name: 'Neuen Link für E-7K3M erzeugen?' });
    expect(warn).toHaveTextContent('Der bisherige Link funktioniert danach nicht mehr.');
    await userEvent.click(within(warn).getByRole('button', { name: 'Neuen Link erzeugen' }));
    const shown = await screen.findByRole('dialog', { name: 'Neuer Link für E-7K3M' });
    expect(within(shown).getByLabelText('Persönlicher Link')).toHaveValue(link);
  });
});
