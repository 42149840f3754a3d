import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { fixtureSurvey } from '../test/fixture';
import { adminUser, mockFetch, renderAt } from '../test/utils';
import type { Round } from '../api/types';
import { fromZonedInput, toZonedInput } from './zone';

const base = '/api/v1/surveys/demo-2026/rounds';

function round(over: Partial<Round>): Round {
  return {
    survey_id: 'demo-2026',
    number: 1,
    status: 'closed',
    items: fixtureSurvey.definition.sections![0]!.items!.map((item) => ({ section_id: 'themen', item, origin: 'initial' as const })),
    opens_at: null,
    deadline: '2026-12-14T17:00:00Z',
    closed_at: '2026-12-14T17:00:01Z',
    history: [],
    created_at: '2026-11-20T08:00:00Z',
    updated_at: '2026-12-14T17:00:01Z',
    time_zone: 'Europe/Berlin',
    origins: { initial: 2 },
    snapshot_at: '2026-12-14T17:00:01Z',
    ...over,
  };
}

describe('zone helpers', () => {
  it('converts wall-clock times of the study time zone', () => {
    expect(fromZonedInput('2026-12-14T18:00', 'Europe/Berlin')).toBe('2026-12-14T17:00:00Z');
    expect(fromZonedInput('2026-07-01T18:00', 'Europe/Berlin')).toBe('2026-07-01T16:00:00Z'); // summer time
    expect(toZonedInput('2026-12-14T17:00:00Z', 'Europe/Berlin')).toBe('2026-12-14T18:00');
    expect(fromZonedInput('', 'Europe/Berlin')).toBeUndefined();
  });
});

describe('RoundsPage', () => {
  it('creates round 1 with a deadline in the study time zone', async () => {
    const calls = mockFetch({
      'GET /api/v1/me': { body: adminUser },
      'GET /api/v1/surveys/demo-2026': { body: fixtureSurvey },
      [`GET ${base}`]: { body: { rounds: [], time_zone: 'Europe/Berlin', planned: 2 } },
      [`POST ${base}`]: { status: 201, body: round({ status: 'draft' }) },
    });
    renderAt('/surveys/demo-2026/rounds');
    expect(await screen.findByText('Noch keine Runde angelegt.')).toBeInTheDocument();
    const form = screen.getByRole('region', { name: 'Runde 1 anlegen' });
    const deadline = within(form).getByLabelText('Frist');
    await userEvent.type(deadline, '2026-12-14T18:00');
    await userEvent.click(within(form).getByRole('button', { name: 'Runde 1 anlegen' }));
    await waitFor(() => expect(calls.some((c) => c.method === 'POST' && c.url === base)).toBe(true));
    expect(calls.find((c) => c.method === 'POST')!.body).toEqual({ deadline: '2026-12-14T17:00:00Z' });
  });

  it('lists rounds, reopens the latest with a reason and prepares the next one', async () => {
    const calls = mockFetch({
      'GET /api/v1/me': { body: adminUser },
      'GET /api/v1/surveys/demo-2026': { body: fixtureSurvey },
      [`GET ${base}`]: { body: { rounds: [round({})], time_zone: 'Europe/Berlin', planned: 2 } },
      [`GET ${base}/1`]: { body: round({ responses: { opened: 5, started: 4, submitted: 3 }, carry_over: { all: 3, no_consensus: 2 } }) },
      [`POST ${base}/1/reopen`]: { body: round({ status: 'open' }) },
      [`POST ${base}`]: { status: 201, body: round({ number: 2, status: 'draft' }) },
    });
    renderAt('/surveys/demo-2026/rounds');
    const row = await screen.findByRole('row', { name: /^1 Geschlossen/ });
    expect(within(row).getByText('5 geöffnet, 4 begonnen, 3 abgeschickt')).toBeInTheDocument();
    expect(within(row).getByRole('cell', { name: '14.12.2026, 18:00 MEZ' })).toBeInTheDocument(); // the deadline

    await userEvent.click(within(row).getByRole('button', { name: 'Wieder öffnen' }));
    const reopen = screen.getByRole('form', { name: 'Wieder öffnen' });
    await userEvent.type(within(reopen).getByLabelText('Begründung (für das Protokoll)'), 'Verlängerung');
    await userEvent.clear(within(reopen).getByLabelText('Neue Frist'));
    await userEvent.type(within(reopen).getByLabelText('Neue Frist'), '2026-12-21T18:00');
    await userEvent.click(within(reopen).getByRole('button', { name: 'Wieder öffnen' }));
    await waitFor(() => expect(calls.some((c) => c.url === `${base}/1/reopen`)).toBe(true));
    expect(calls.find((c) => c.url === `${base}/1/reopen`)!.body).toEqual({ reason: 'Verlängerung', deadline: '2026-12-21T17:00:00Z' });

    const prep = screen.getByRole('region', { name: 'Runde 2 vorbereiten' });
    // Each carry-over choice says how many items it takes along.
    expect(within(prep).getByRole('option', { name: /^Items ohne Konsens.*\(2 Items\)$/ })).toBeInTheDocument();
    expect(within(prep).getByRole('option', { name: /\(3 Items\)$/ })).toBeInTheDocument();
    expect(within(prep).getByText('Diese Wahl übernimmt 2 Items aus Runde 1.')).toBeInTheDocument();
    await userEvent.type(within(prep).getByLabelText('Frist'), '2030-01-15T18:00');
    await userEvent.selectOptions(within(prep).getByLabelText('Übernahme'), 'chosen');
    await userEvent.click(within(prep).getByRole('checkbox', { name: /t2 – Mobilität/ }));
    await userEvent.click(within(prep).getByRole('button', { name: 'Formulierung ändern' }));
    await userEvent.clear(within(prep).getByLabelText('Text (Englisch)'));
    await userEvent.type(within(prep).getByLabelText('Text (Englisch)'), 'Housing supply');
    await userEvent.type(within(prep).getAllByLabelText('Begründung (für das Protokoll)')[0]!, 'klarer');
    await userEvent.click(within(prep).getByRole('button', { name: 'Runde anlegen' }));
    await waitFor(() => expect(calls.some((c) => c.method === 'POST' && c.url === base)).toBe(true));
    expect(calls.find((c) => c.method === 'POST' && c.url === base)!.body).toEqual({
      deadline: '2030-01-15T17:00:00Z',
      carry_over: { mode: 'chosen', items: ['t1'] },
      changed_items: [{ item_id: 't1', text: { de: 'Wohnen', en: 'Housing supply' }, reason: 'klarer' }],
    });
  });
});
