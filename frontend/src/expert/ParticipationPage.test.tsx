import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { fixtureSurvey } from '../test/fixture';
import { mockFetch, renderAt } from '../test/utils';
import { outboxKey } from './outbox';
import type { Participation } from '../api/types';

const def = fixtureSurvey.definition;

function participation(over: Partial<Participation> = {}): Participation {
  return {
    state: 'open',
    survey: {
      id: def.id,
      title: def.title,
      description: def.description,
      languages: def.languages,
      time_zone: 'Europe/Berlin',
      privacy: { de: 'Wir speichern pseudonym.', en: 'We store pseudonymously.' },
      groups: def.groups ?? [],
      scales: def.scales,
      feedback: { ...def.rounds.feedback, justify_outside_iqr: true, hide_until_answered: false, min_group_n: 3 },
      allow_revision: true,
      planned_rounds: 3,
    },
    expert: { pseudonym: 'E-TEST', group: 'pol', language: 'de', consent_at: '2026-11-26T09:00:00Z', declined_at: null },
    round: { number: 1, status: 'open', opens_at: null, deadline: '2026-12-14T17:00:00Z' },
    sections: (def.sections ?? []).map((s) => ({ id: s.id, title: s.title, items: (s.items ?? []).map((item) => ({ item, origin: 'initial' })) })),
    answers: {},
    progress: { answered: 0, total: 7 },
    response: { submissions: 0 },
    ...over,
  };
}

const session = { 'POST /api/v1/participation/session': { body: { token: 'jwt', expires_at: '2026-11-26T09:30:00Z', survey_id: def.id } } };

describe('ParticipationPage', () => {
  it('says that an unknown link is not valid, without details', async () => {
    mockFetch({ 'POST /api/v1/participation/session': { status: 404, body: { error: { code: 'not_found', message: 'this link is not valid' } } } });
    renderAt('/p/bad-token');
    expect(await screen.findByRole('alert')).toHaveTextContent('Dieser Link ist nicht gültig');
    expect(document.body.textContent).not.toContain('bad-token');
  });

  it('shows an English expert the page in English on a browser that never chose a language', async () => {
    mockFetch({
      ...session,
      'GET /api/v1/participation': {
        body: participation({ expert: { pseudonym: 'E-TEST', group: 'pol', language: 'en', consent_at: null, declined_at: null } }),
      },
    });
    renderAt('/p/secret-token');
    expect(await screen.findByRole('heading', { level: 2, name: 'Privacy' })).toBeInTheDocument();
    expect(screen.getByText('We store pseudonymously.')).toBeInTheDocument();
    expect(document.documentElement.lang).toBe('en');
  });

  it('keeps the language the browser chose, whatever the expert’s', async () => {
    localStorage.setItem('er_lang', 'de');
    mockFetch({
      ...session,
      'GET /api/v1/participation': {
        body: participation({ expert: { pseudonym: 'E-TEST', group: 'pol', language: 'en', consent_at: null, declined_at: null } }),
      },
    });
    renderAt('/p/secret-token');
    expect(await screen.findByRole('heading', { level: 2, name: 'Datenschutz' })).toBeInTheDocument();
  });

  it('asks for consent first, then shows the welcome page with round, deadline and progress', async () => {
    let consented = false;
    const calls = mockFetch({
      ...session,
      'GET /api/v1/participation': () => ({
        body: participation({ expert: { pseudonym: 'E-TEST', group: 'pol', language: 'de', consent_at: consented ? '2026-11-26T09:00:00Z' : null, declined_at: null } }),
      }),
      'POST /api/v1/participation/consent': () => ((consented = true), { body: { consent_at: '2026-11-26T09:00:00Z' } }),
    });
    renderAt('/p/secret-token');
    expect(await screen.findByRole('heading', { level: 2, name: 'Datenschutz' })).toBeInTheDocument();
    expect(screen.getByText('Wir speichern pseudonym.')).toBeInTheDocument();
    expect(calls.find((c) => c.method === 'POST' && c.url.endsWith('/session'))?.body).toEqual({ token: 'secret-token' });
    await userEvent.click(screen.getByRole('button', { name: 'Einverstanden, weiter zur Befragung' }));
    expect(await screen.findByRole('heading', { level: 1, name: 'Demo-Befragung <b>fett</b>' })).toBeInTheDocument();
    expect(screen.getByText('1 von 3')).toBeInTheDocument();
    expect(screen.getByText('Montag, 14. Dezember 2026 um 18:00 MEZ')).toBeInTheDocument(); // 17:00 UTC in Berlin
    expect(screen.getAllByText('0 von 7 Fragen beantwortet').length).toBeGreaterThan(0);
    const consent = calls.find((c) => c.url.endsWith('/consent'));
    expect((consent?.init.headers as Record<string, string>)['X-CSRF-Token']).toBeUndefined(); // no cookie in the test
  });

  it('autosaves an answer, shows the save state, and reaches any section directly', async () => {
    const puts: unknown[] = [];
    mockFetch({
      ...session,
      'GET /api/v1/participation': { body: participation() },
      'PUT /api/v1/participation/answers/t1': ({ body }) => {
        puts.push(body);
        const b = body as { value: number; seq: number };
        return { body: { answer: { ...b, comment: '', justification: '', revisions: 0, needs_justification: false }, applied: true, progress: { answered: 1, total: 7 } } };
      },
    });
    renderAt('/p/tok');
    await userEvent.click(await screen.findByRole('button', { name: 'Befragung beginnen' }));
    expect(await screen.findByRole('heading', { level: 1, name: 'Themen' })).toBeInTheDocument();
    await userEvent.click(within(screen.getByRole('group', { name: 'Wohnen' })).getByRole('radio', { name: /4 eher wichtig/ }));
    expect(await screen.findByText('Wird gespeichert …')).toBeInTheDocument();
    expect(screen.getAllByText('1 von 7 Fragen beantwortet').length).toBeGreaterThan(0);
    // Queued in storage before the server has it.
    expect(localStorage.getItem(outboxKey(def.id, 1, 'E-TEST'))).toContain('"value":4');
    await waitFor(() => expect(puts).toHaveLength(1));
    expect(puts[0]).toMatchObject({ value: 4, comment: '', justification: '' });
    expect(await screen.findByText('Alle Antworten gespeichert')).toBeInTheDocument();
    expect(JSON.parse(localStorage.getItem(outboxKey(def.id, 1, 'E-TEST'))!).pending).toEqual([]);

    const nav = screen.getByRole('navigation', { name: 'Abschnitte' });
    await userEvent.click(within(nav).getByRole('button', { name: /Trägerstruktur/ }));
    expect(await screen.findByRole('heading', { level: 1, name: 'Trägerstruktur' })).toBeInTheDocument();
  });

  it('sends answers left in browser storage by an earlier visit', async () => {
    localStorage.setItem(
      outboxKey(def.id, 1, 'E-TEST'),
      JSON.stringify({ v: 1, lastSeq: 5, pending: [{ itemId: 'f1', value: 'ws', comment: '', justification: '', seq: 5 }] }),
    );
    const puts: unknown[] = [];
    mockFetch({
      ...session,
      'GET /api/v1/participation': { body: participation() },
      'PUT /api/v1/participation/answers/f1': ({ body }) => {
        puts.push(body);
        const b = body as { value: string; seq: number };
        return { body: { answer: { ...b, comment: '', justification: '', revisions: 0, needs_justification: false }, applied: true, progress: { answered: 1, total: 7 } } };
      },
    });
    renderAt('/p/tok');
    await screen.findByRole('button', { name: 'Weiter zur Befragung' }); // an answer exists: "continue"
    await waitFor(() => expect(puts).toEqual([{ value: 'ws', comment: '', justification: '', seq: 5 }]));
  });

  it('shows the summary before submitting and names the items that need a justification', async () => {
    const items = participation().sections;
    items[0]!.items[0] = {
      ...items[0]!.items[0]!,
      origin: 'carried',
      previous: { value: 2, comment: '', justification: '', seq: 1, revisions: 0, needs_justification: false },
      feedback: { item_id: 't1', type: 'rating', n: 5, rating: { n: 5, median: 4, q1: 3, q3: 4 } },
    };
    mockFetch({
      ...session,
      'GET /api/v1/participation': {
        body: participation({
          round: { number: 2, status: 'open', opens_at: null, deadline: '2026-12-14T17:00:00Z' },
          sections: items,
          answers: { t1: { value: 2, comment: '', justification: '', seq: 3, revisions: 0, needs_justification: true } },
        }),
      },
    });
    renderAt('/p/tok');
    await userEvent.click(await screen.findByRole('button', { name: 'Weiter zur Befragung' }));
    const nav = screen.getByRole('navigation', { name: 'Abschnitte' });
    await userEvent.click(within(nav).getByRole('button', { name: 'Abschließen' }));
    expect(await screen.findByRole('heading', { level: 1, name: 'Runde abschließen' })).toBeInTheDocument();
    expect(screen.getByRole('heading', { level: 2, name: '6 Fragen sind noch offen' })).toBeInTheDocument();
    const alert = screen.getByRole('alert');
    expect(within(alert).getByRole('button', { name: 'Wohnen' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Antworten abschicken' })).toBeDisabled();
    await userEvent.click(within(alert).getByRole('button', { name: 'Wohnen' }));
    expect(await screen.findByRole('textbox', { name: 'Kurze Begründung' })).toBeInTheDocument();
    expect(screen.getByRole('region', { name: 'Ergebnis der Runde 1' })).toBeInTheDocument();
  });
});
