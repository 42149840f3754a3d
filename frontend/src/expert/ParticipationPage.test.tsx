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

/** A fake server for PUT /answers (the outbox's batches) that records each answer's body per item. */
function saves(items: string[]) {
  const puts: Record<string, unknown[]> = {};
  for (const id of items) puts[id] = [];
  const handlers: Record<string, (r: { body: unknown }) => { body: unknown }> = {
    'PUT /api/v1/participation/answers': ({ body }) => {
      const { answers } = body as { answers: { item_id: string; value: unknown; seq: number }[] };
      const results = answers.map(({ item_id, ...b }) => {
        (puts[item_id] ??= []).push(b);
        return { item_id, applied: true, answer: { ...b, comment: '', justification: '', revisions: 0, needs_justification: false } };
      });
      return { body: { results, progress: { answered: 1, total: 7 } } };
    },
  };
  return { puts, handlers };
}

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
    const { puts: saved, handlers } = saves(['t1']);
    const puts = saved.t1!;
    mockFetch({ ...session, 'GET /api/v1/participation': { body: participation() }, ...handlers });
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
    const { puts: saved, handlers } = saves(['f1']);
    const puts = saved.f1!;
    mockFetch({ ...session, 'GET /api/v1/participation': { body: participation() }, ...handlers });
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
    // The link leads to the field that needs the justification, not to the section's heading.
    await userEvent.click(within(alert).getByRole('button', { name: 'Wohnen' }));
    const field = await screen.findByRole('textbox', { name: 'Kurze Begründung' });
    await waitFor(() => expect(document.activeElement).toBe(field));
    expect(screen.getByRole('region', { name: 'Ergebnis der Runde 1 Wohnen' })).toBeInTheDocument();
  });

  /** Round 2: t1 and t2 carried over with the expert's round-1 answers and the panel's feedback. */
  function round2(): Participation {
    const p = participation();
    const [t1, t2] = p.sections[0]!.items;
    const prev = (value: Participation['answers'][string]['value']) => ({ value, comment: '', justification: '', seq: 1, revisions: 0, needs_justification: false });
    p.sections[0]!.items = [
      { ...t1!, origin: 'carried', previous: prev(2), feedback: { item_id: 't1', type: 'rating', n: 5, rating: { n: 5, median: 2, q1: 2, q3: 3 } } },
      { ...t2!, origin: 'carried', previous: prev({ imp: 4, feas: 2 }) },
    ];
    return { ...p, round: { number: 2, status: 'open', opens_at: null, deadline: '2026-12-14T17:00:00Z' } };
  }

  it('round 2: a click on the marked previous answer itself is an answer and is saved', async () => {
    const { puts, handlers } = saves(['t1']);
    mockFetch({ ...session, 'GET /api/v1/participation': { body: round2() }, ...handlers });
    renderAt('/p/tok');
    await userEvent.click(await screen.findByRole('button', { name: 'Befragung beginnen' }));
    const group = await screen.findByRole('group', { name: 'Wohnen' });
    const prev = within(group).getByRole('radio', { name: /2 eher unwichtig \(Ihre Antwort in der Vorrunde\)/ });
    expect(prev).not.toBeChecked();
    expect(screen.getAllByText('0 von 7 Fragen beantwortet').length).toBeGreaterThan(0);
    await userEvent.click(prev);
    expect(prev).toBeChecked();
    await waitFor(() => expect(puts.t1).toHaveLength(1));
    expect(puts.t1![0]).toMatchObject({ value: 2 });
    expect(screen.getAllByText('1 von 7 Fragen beantwortet').length).toBeGreaterThan(0);
  });

  it('round 2: "keep all my unchanged answers" saves each carried item of the section not answered yet', async () => {
    const { puts, handlers } = saves(['t1', 't2']);
    const data = round2();
    data.answers = { t1: { value: 5, comment: 'neu', justification: '', seq: 4, revisions: 1, needs_justification: false } };
    mockFetch({ ...session, 'GET /api/v1/participation': { body: data }, ...handlers });
    renderAt('/p/tok');
    await userEvent.click(await screen.findByRole('button', { name: 'Weiter zur Befragung' }));
    // t1 is answered already (5): only t2 is kept.
    await userEvent.click(await screen.findByRole('button', { name: 'Alle unveränderten Antworten dieses Abschnitts beibehalten (1)' }));
    await waitFor(() => expect(puts.t2).toHaveLength(1));
    expect(puts.t2![0]).toMatchObject({ value: { imp: 4, feas: 2 }, comment: '', justification: '' });
    expect(puts.t1).toEqual([]);
    expect(screen.getByText('1 Antwort aus Runde 1 übernommen.')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: /Alle unveränderten Antworten/ })).not.toBeInTheDocument();
    const feas = within(screen.getByRole('group', { name: 'Machbarkeit' })).getByRole('radio', { name: /^2 / });
    expect(feas).toBeChecked();
  });

  it('sends a ranking only once every place is filled', async () => {
    const { puts, handlers } = saves(['f3']);
    mockFetch({ ...session, 'GET /api/v1/participation': { body: participation() }, ...handlers });
    renderAt('/p/tok');
    await userEvent.click(await screen.findByRole('button', { name: 'Befragung beginnen' }));
    await userEvent.click(within(screen.getByRole('navigation', { name: 'Abschnitte' })).getByRole('button', { name: /Formate/ }));
    await userEvent.click(await screen.findByRole('button', { name: 'Werkstatt auf Platz 1 setzen' }));
    await userEvent.click(screen.getByRole('button', { name: 'Forum auf Platz 2 setzen' }));
    expect(screen.getAllByText('0 von 7 Fragen beantwortet').length).toBeGreaterThan(0);
    expect(localStorage.getItem(outboxKey(def.id, 1, 'E-TEST'))).toBeNull(); // nothing queued
    await userEvent.click(screen.getByRole('button', { name: 'Lernmodul auf Platz 3 setzen' }));
    await waitFor(() => expect(puts.f3).toHaveLength(1));
    expect(puts.f3![0]).toMatchObject({ value: ['d', 'b', 'a'] });
    expect(screen.getAllByText('1 von 7 Fragen beantwortet').length).toBeGreaterThan(0);
  });
});
