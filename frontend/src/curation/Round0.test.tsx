import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { Participation } from '../api/types';
import { fixtureSurvey } from '../test/fixture';
import { adminUser, mockFetch, renderAt } from '../test/utils';
import { FlowFigure } from '../results/FlowFigure';
import { flow } from '../results/flowFixture';
import type { CurationBoard, MySuggestions, Round0Summary } from './api';

const def = fixtureSurvey.definition;
const session = { 'POST /api/v1/participation/session': { body: { token: 'jwt', expires_at: '2026-11-26T09:30:00Z', survey_id: def.id } } };
const sections = (def.sections ?? []).map((s) => ({ id: s.id, title: s.title, items: [] }));

function participation(over: Partial<Participation> = {}): Participation {
  return {
    state: 'open',
    survey: {
      id: def.id,
      title: def.title,
      languages: def.languages,
      time_zone: 'Europe/Berlin',
      groups: def.groups ?? [],
      scales: def.scales,
      feedback: { ...def.rounds.feedback, min_group_n: 3 },
      allow_revision: true,
      planned_rounds: 2,
      round0: { enabled: true, max_suggestions_per_block: 2 },
    },
    expert: { pseudonym: 'E-TEST', group: 'pol', language: 'de', consent_at: '2026-11-26T09:00:00Z', declined_at: null },
    round: { number: 0, status: 'open', opens_at: null, deadline: '2026-12-14T17:00:00Z' },
    sections: [],
    answers: {},
    progress: { answered: 0, total: 0 },
    response: { submissions: 0 },
    ...over,
  };
}

const firstSection = sections[0]!;

describe('Round 0 for experts', () => {
  it('adds a suggestion with its rationale in a block and hides the form at the limit', async () => {
    let mine: MySuggestions = { blocks: sections, max_per_block: 2, suggestions: [{ id: 'S1', section_id: firstSection.id, text: 'Erster', rationale: '', status: 'open', created_at: '', updated_at: '' }] };
    const calls = mockFetch({
      ...session,
      'GET /api/v1/participation': { body: participation() },
      'GET /api/v1/participation/suggestions': () => ({ body: mine }),
      'POST /api/v1/participation/suggestions': ({ body }) => {
        const b = body as { section_id: string; text: string; rationale: string };
        mine = { ...mine, suggestions: [...mine.suggestions, { id: 'S2', ...b, status: 'open', created_at: '', updated_at: '' }] };
        return { status: 201, body: mine.suggestions[1] };
      },
    });
    renderAt('/p/tok');
    const block = await screen.findByRole('region', { name: firstSection.title.de });
    expect(within(block).getByText('1 von 2 Vorschlägen in diesem Block')).toBeInTheDocument();
    await userEvent.type(within(block).getByLabelText('Ihr Vorschlag'), 'Beratung <b>vor Ort</b>');
    await userEvent.type(within(block).getByLabelText('Kurze Begründung'), 'weil');
    await userEvent.click(within(block).getByRole('button', { name: 'Vorschlag hinzufügen' }));
    await waitFor(() => expect(within(block).getByText('Beratung <b>vor Ort</b>')).toBeInTheDocument());
    expect(calls.find((c) => c.method === 'POST' && c.url.endsWith('/suggestions'))!.body).toEqual({ section_id: firstSection.id, text: 'Beratung <b>vor Ort</b>', rationale: 'weil' });
    expect(within(block).queryByLabelText('Ihr Vorschlag')).not.toBeInTheDocument();
    expect(within(block).getByText('2 von 2 Vorschlägen in diesem Block')).toBeInTheDocument();
  });

  it('withdraws an open suggestion and shows the server’s refusal', async () => {
    const calls = mockFetch({
      ...session,
      'GET /api/v1/participation': { body: participation() },
      'GET /api/v1/participation/suggestions': {
        body: { blocks: sections, max_per_block: 2, suggestions: [{ id: 'S1', section_id: firstSection.id, text: 'Erster', rationale: '', status: 'open', created_at: '', updated_at: '' }] },
      },
      'DELETE /api/v1/participation/suggestions/S1': { status: 409, body: { error: { code: 'conflict', message: 'round 0 is closed' } } },
    });
    renderAt('/p/tok');
    await userEvent.click(await screen.findByRole('button', { name: 'Zurückziehen' }));
    expect(await screen.findByRole('alert')).toBeInTheDocument();
    expect(calls.some((c) => c.method === 'DELETE')).toBe(true);
  });

  it('shows the summary list in round 1: what became of each suggestion, one’s own marked', async () => {
    const summary: Round0Summary = {
      entries: [
        { id: 'S1', section_id: firstSection.id, text: 'Beratung', rationale: 'Bedarf', status: 'accepted', items: [{ id: 'r0-1', text: { de: 'Beratung der Gemeinden', en: 'Advice' } }], own: true },
        { id: 'S2', section_id: firstSection.id, text: 'Mehr Geld', rationale: '', status: 'rejected', items: [], reason: 'keine Aufgabe', own: false },
      ],
    };
    mockFetch({
      ...session,
      'GET /api/v1/participation': { body: participation({ round: { number: 1, status: 'open', opens_at: null, deadline: '2026-12-14T17:00:00Z' } }) },
      'GET /api/v1/participation/round0-summary': { body: summary },
    });
    renderAt('/p/tok');
    await userEvent.click(await screen.findByText('Was aus Runde 0 wurde'));
    expect(await screen.findByText('Übernommen als „Beratung der Gemeinden“')).toBeInTheDocument();
    expect(screen.getByText('Nicht übernommen: keine Aufgabe')).toBeInTheDocument();
    expect(screen.getAllByText('Ihr Vorschlag')).toHaveLength(1);
  });
});

function board(over: Partial<CurationBoard> = {}): CurationBoard {
  return {
    survey_id: def.id,
    seq: 2,
    updated_at: '',
    round0: null,
    editable: true,
    max_per_block: 2,
    sections: sections.map((s) => ({ ...s, items: [] })),
    scales: def.scales ?? [],
    languages: ['de', 'en'],
    suggestions: [
      { id: 'S1', section_id: firstSection.id, expert_id: 'x1', pseudonym: 'E-AAA', group: 'pol', text: 'Beratung', rationale: 'Bedarf', status: 'open', created_at: '', updated_at: '' },
      { id: 'S2', section_id: firstSection.id, expert_id: 'x2', pseudonym: 'E-BBB', group: 'pol', text: 'Vernetzung', rationale: '', status: 'open', created_at: '', updated_at: '' },
    ],
    items: [],
    ...over,
  };
}

describe('CurationPage', () => {
  const url = `/api/v1/surveys/${def.id}/curation`;
  it('merges two suggestions into one item with its wording in each language', async () => {
    const calls = mockFetch({
      'GET /api/v1/me': { body: adminUser },
      [`GET /api/v1/surveys/${def.id}`]: { body: fixtureSurvey },
      [`GET ${url}`]: { body: board() },
      [`POST ${url}/items`]: {
        body: board({
          suggestions: board().suggestions.map((s) => ({ ...s, status: 'merged' as const, items: ['r0-1'] })),
          items: [{ section_id: firstSection.id, item: { id: 'r0-1', type: 'rating', scale: 'imp', text: { de: 'Beratung', en: 'Advice' } }, sources: ['S1', 'S2'], history: [{ at: '2026-11-26T09:00:00Z', actor_id: 'u1', action: 'merge' }] }],
        }),
      },
    });
    renderAt(`/surveys/${def.id}/curation`);
    expect(await screen.findByText(/E-AAA/)).toBeInTheDocument();
    await userEvent.click(screen.getByRole('checkbox', { name: 'S1 auswählen' }));
    await userEvent.click(screen.getByRole('checkbox', { name: 'S2 auswählen' }));
    await userEvent.selectOptions(screen.getByLabelText('Aktion'), 'merge');
    await userEvent.type(screen.getByLabelText('Formulierung (en)'), 'Advice');
    await userEvent.click(screen.getByRole('button', { name: 'Item anlegen' }));
    await waitFor(() => expect(calls.some((c) => c.method === 'POST')).toBe(true));
    const body = calls.find((c) => c.method === 'POST')!.body as { action: string; suggestions: string[]; items: { item: { text: Record<string, string>; type: string } }[] };
    expect(body.action).toBe('merge');
    expect(body.suggestions).toEqual(['S1', 'S2']);
    expect(body.items[0]!.item.text).toEqual({ de: 'Beratung', en: 'Advice' });
    expect(body.items[0]!.item.type).toBe('rating');
    expect(await screen.findByText(/Aus: S1, S2/)).toBeInTheDocument();
  });

  it('rejects a suggestion with a reason', async () => {
    const calls = mockFetch({
      'GET /api/v1/me': { body: adminUser },
      [`GET /api/v1/surveys/${def.id}`]: { body: fixtureSurvey },
      [`GET ${url}`]: { body: board() },
      [`POST ${url}/suggestions/S2/reject`]: { body: board() },
    });
    renderAt(`/surveys/${def.id}/curation`);
    const row = (await screen.findByText('Vernetzung')).closest('tr')!;
    await userEvent.click(within(row).getByRole('button', { name: 'Ablehnen' }));
    await userEvent.type(within(row).getByLabelText('Begründung der Ablehnung (sehen die Expert:innen)'), 'schon abgedeckt');
    await userEvent.click(within(row).getByRole('button', { name: 'Ablehnen' }));
    await waitFor(() => expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ reason: 'schon abgedeckt' }));
  });

  it('is read-only for researchers', async () => {
    mockFetch({
      'GET /api/v1/me': { body: { ...adminUser, role: 'researcher' } },
      [`GET /api/v1/surveys/${def.id}`]: { body: fixtureSurvey },
      [`GET ${url}`]: { body: board() },
    });
    renderAt(`/surveys/${def.id}/curation`);
    expect(await screen.findByText('Beratung')).toBeInTheDocument();
    expect(screen.queryByRole('checkbox')).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Ablehnen' })).not.toBeInTheDocument();
  });
});

describe('the flow figure of a study with round 0', () => {
  it('counts the suggestions of round 0 into the first round’s items', () => {
    render(<FlowFigure flow={{ ...flow, round0: { experts: 4, suggestions: 12, accepted: 3, merged: 4, split: 1, rejected: 3, open: 1, items: 6 } }} fileBase="x" />);
    expect(screen.getAllByText('Aus Runde 0: 12 Vorschläge → 6 Items, 3 abgelehnt').length).toBeGreaterThan(0);
  });
});

describe('the invitations of round 0', () => {
  it('opens the invitations page of round 0, not of round 1', async () => {
    const calls = mockFetch({
      'GET /api/v1/me': { body: adminUser },
      [`GET /api/v1/surveys/${def.id}`]: { body: fixtureSurvey },
      [`GET /api/v1/surveys/${def.id}/rounds`]: {
        body: { rounds: [{ survey_id: def.id, number: 0, status: 'open', items: [], opens_at: null, deadline: '2026-12-14T17:00:00Z', history: [], created_at: '', updated_at: '', time_zone: 'Europe/Berlin', origins: {} }], time_zone: 'Europe/Berlin', planned: 2 },
      },
    });
    renderAt(`/surveys/${def.id}/rounds/0/invitations`);
    expect(await screen.findByRole('heading', { level: 1, name: 'Einladungen – Runde 0' })).toBeInTheDocument();
    await waitFor(() => expect(calls.some((c) => c.url.startsWith(`/api/v1/surveys/${def.id}/rounds/0/`))).toBe(true));
    expect(calls.some((c) => c.url.includes('/rounds/1/'))).toBe(false);
  });
});
