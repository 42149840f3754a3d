import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { fixtureSurvey } from '../test/fixture';
import { mockFetch, renderAt } from '../test/utils';
import type { Item, ItemFeedback, Participation, RealtimeFeedback } from '../api/types';
import { RealtimeItemFeedback, type RealtimeState } from './RealtimeFeedback';

const def = fixtureSurvey.definition;
const housing = def.sections![0]!.items![0]! as Item;

function rating(n: number, median: number, q1: number, q3: number): ItemFeedback {
  return { item_id: 't1', type: 'rating', n, count: 'all', rating: { n, median, q1, q3, iqr: q3 - q1 } };
}

function state(data: RealtimeFeedback | undefined, over: Partial<RealtimeState> = {}): RealtimeState {
  return { data, loading: false, error: undefined, refresh: () => {}, ...over };
}

function show(answered: boolean, s: RealtimeState) {
  return render(
    <>
      <h2 id="q">Wohnen</h2>
      <RealtimeItemFeedback item={housing} answered={answered} state={s} scales={def.scales} groups={def.groups ?? []} lang="de" minGroupN={3} itemHeading="q" />
    </>,
  );
}

describe('RealtimeItemFeedback', () => {
  const at = '2026-11-26T09:05:03Z';

  it('shows nothing of the panel before one’s own answer (anti-anchoring)', () => {
    show(false, state({ computed_at: at, min_n: 3, items: { t1: { n: 3, feedback: rating(3, 5, 4.5, 5) } } }));
    expect(screen.getByText(/erscheint, sobald Sie diese Frage beantwortet haben/)).toBeInTheDocument();
    expect(document.body.textContent).not.toMatch(/Median/);
    expect(screen.queryByRole('button')).toBeNull();
  });

  it('shows the current statistics with their basis and time, and fetches them again on request', async () => {
    const refresh = vi.fn();
    show(true, state({ computed_at: at, min_n: 3, items: { t1: { n: 3, feedback: rating(3, 5, 4.5, 5) } } }, { refresh }));
    const region = screen.getByRole('region', { name: /Aktuelles Ergebnis des Panels/ });
    expect(region).toHaveAccessibleName('Aktuelles Ergebnis des Panels Wohnen');
    expect(within(region).getByText('Median 5, IQR 4,5–5, 3 Antworten')).toBeInTheDocument();
    expect(screen.getByText(/Beruht auf 3 Antworten der anderen Teilnehmenden \(ohne Ihre\), Stand \d\d:05:03/)).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Ergebnis aktualisieren' }));
    expect(refresh).toHaveBeenCalledTimes(1);
  });

  it('says how many others have answered while they are too few to be shown', () => {
    show(true, state({ computed_at: at, min_n: 3, items: { t1: { n: 1 } } }));
    expect(screen.getByText(/Bisher hat 1 andere Person geantwortet. Das Ergebnis wird ab 3 Antworten anderer gezeigt/)).toBeInTheDocument();
    expect(document.body.textContent).not.toMatch(/Median/);
  });

  it('waits for the first answer of the server, and says when it failed', () => {
    show(true, state(undefined, { loading: true, error: new Error('offline') }));
    expect(screen.getByText('Das aktuelle Ergebnis wird geladen …')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Wird aktualisiert …' })).toBeDisabled();
    expect(screen.getByRole('alert')).toBeInTheDocument();
  });
});

function participation(): Participation {
  return {
    state: 'open',
    survey: {
      id: def.id,
      title: def.title,
      languages: def.languages,
      time_zone: 'Europe/Berlin',
      groups: def.groups ?? [],
      scales: def.scales,
      feedback: { ...def.rounds.feedback, justify_outside_iqr: true, hide_until_answered: false, min_group_n: 3 },
      allow_revision: true,
      planned_rounds: 1,
      mode: 'realtime',
    },
    expert: { pseudonym: 'E-TEST', group: 'pol', language: 'de', consent_at: '2026-11-26T09:00:00Z', declined_at: null },
    round: { number: 1, status: 'open', opens_at: null, deadline: '2026-12-14T17:00:00Z' },
    sections: (def.sections ?? []).map((s) => ({ id: s.id, title: s.title, items: (s.items ?? []).map((item) => ({ item, origin: 'initial' })) })),
    answers: {},
    progress: { answered: 0, total: 7 },
    response: { submissions: 0 },
  };
}

describe('ParticipationPage in a real-time study', () => {
  it('shows the panel’s current result of an item after one’s own save, and the newer one on refresh', async () => {
    let saved = false;
    let panel = rating(3, 5, 4.5, 5);
    const calls = mockFetch({
      'POST /api/v1/participation/session': { body: { token: 'jwt', expires_at: '2026-11-26T09:30:00Z', survey_id: def.id } },
      'GET /api/v1/participation': { body: participation() },
      'GET /api/v1/participation/realtime': () => ({
        body: { computed_at: '2026-11-26T09:05:03Z', min_n: 3, items: saved ? { t1: { n: panel.n, feedback: panel } } : {} },
      }),
      'PUT /api/v1/participation/answers': ({ body }) => {
        saved = true;
        const { answers } = body as { answers: { item_id: string; value: unknown; seq: number }[] };
        const results = answers.map(({ item_id, ...b }) => ({
          item_id,
          applied: true,
          answer: { ...b, comment: '', justification: '', revisions: 0, needs_justification: false },
        }));
        return { body: { results, progress: { answered: 1, total: 7 } } };
      },
    });
    renderAt('/p/tok');
    expect(await screen.findByText(/Diese Studie läuft in Echtzeit/)).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Befragung beginnen' }));
    const item = (await screen.findByRole('group', { name: 'Wohnen' })).closest('article')!;
    expect(within(item).getByText(/erscheint, sobald Sie diese Frage beantwortet haben/)).toBeInTheDocument();
    expect(item.textContent).not.toMatch(/Median/);

    await userEvent.click(within(item).getByRole('radio', { name: /4 eher wichtig/ }));
    expect(await within(item).findByText('Median 5, IQR 4,5–5, 3 Antworten')).toBeInTheDocument();
    expect(within(item).getByText(/Beruht auf 3 Antworten/)).toBeInTheDocument();
    const fetched = calls.filter((c) => c.url.endsWith('/participation/realtime')).length;
    expect(fetched).toBeGreaterThanOrEqual(2); // on opening, and after the save
    // Another item the expert has not answered shows nothing of the panel.
    for (const other of screen.getAllByRole('article')) {
      if (other !== item) expect(other.textContent).not.toMatch(/Median/);
    }

    panel = rating(4, 4, 4, 5);
    await userEvent.click(within(item).getByRole('button', { name: 'Ergebnis aktualisieren' }));
    expect(await within(item).findByText('Median 4, IQR 4–5, 4 Antworten')).toBeInTheDocument();
    await waitFor(() => expect(within(item).getByText(/Beruht auf 4 Antworten/)).toBeInTheDocument());
  });
});
