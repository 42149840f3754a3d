import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import i18n from '../i18n';
import { board, round1, round2, transitions2 } from './fixture';
import type { RealtimePoint, RealtimeResults, RealtimeSeries } from '../api/types';
import { fixtureSurvey } from '../test/fixture';
import { adminUser, mockFetch, renderAt } from '../test/utils';
import { makeLabels } from './labels';
import { RealtimeReport, steps } from './RealtimeView';

const api = '/api/v1/surveys/demo-2026';

const stability = (n: number, changed: number | null, stable: boolean | null): RealtimeSeries['stability'] => ({
  n_paired: n, quantile_type: 7, share_changed: changed, scheibe: null, ...(stable == null ? {} : { stable }),
  wilcoxon: { n: 0, w_plus: 0, w_minus: 0, z: null, p: null }, delta_iqr: null, delta_cv: null, delta_iqr_rounds: null,
});

const point = (at: string, n: number, median: number | null, q1: number | null, q3: number | null, outcome?: RealtimePoint['outcome']): RealtimePoint => ({
  at, changes: 1, n, abstentions: 0, median, q1, q3, iqr: q1 == null || q3 == null ? null : q3 - q1, ...(outcome ? { outcome } : {}),
});

const series = (points: RealtimePoint[], extra: Partial<RealtimeSeries> = {}): RealtimeSeries => ({
  points, experts: 3, revised: 0,
  after_feedback: { experts: 0, revisions: 0, toward_median: 0, away_from_median: 0, same_distance: 0, not_comparable: 0, mean_abs_change: null },
  stability: stability(3, 0, true), ...extra,
});

/** t1 moved from median 3 to 4 as B revised after the feedback; t2's importance stayed; f1 is not covered. */
function history(): RealtimeResults {
  return {
    survey_id: 'demo-2026', version: '1', computed_at: '2026-11-02T10:00:00Z', live: true, quantile_type: 7, count: 'submitted',
    revisions: 7, experts: 4, counted: 3,
    items: [
      { item_id: 't1', type: 'rating', section_id: 'themen', position: 0, covered: true, revisions: 5,
        rating: series(
          [point('2026-11-02T09:00:00Z', 2, 3, 2.5, 3.5, 'none'), point('2026-11-02T09:00:05Z', 3, 4, 3.5, 4.5, 'consensus_in')],
          { revised: 2, after_feedback: { experts: 2, revisions: 3, toward_median: 1, away_from_median: 0, same_distance: 1, not_comparable: 0, mean_abs_change: 1 },
            stability: stability(3, 1 / 3, false) }) },
      { item_id: 't2', type: 'multi_rating', section_id: 'themen', position: 1, covered: true, revisions: 2,
        criteria: [
          { criterion_id: 'imp', ...series([point('2026-11-02T09:01:00Z', 1, 5, 5, 5, 'none')]) },
          { criterion_id: 'feas', ...series([]) },
        ] },
      { item_id: 'f1', type: 'single_choice', section_id: 'formate', position: 2, covered: false, revisions: 0 },
    ],
  };
}

const labels = () => makeLabels(fixtureSurvey.definition, i18n.language);

afterEach(async () => {
  await i18n.changeLanguage('de');
});

describe('RealtimeReport', () => {
  it('shows who revised after the feedback and first against last, per item and criterion', () => {
    render(<RealtimeReport data={history()} def={fixtureSurvey.definition} labels={labels()} lang="de" />);
    expect(screen.getByTestId('realtime-summary')).toHaveTextContent('7 gespeicherte Änderungen von 4 Personen, davon 3 gezählt.');
    const table = screen.getByRole('table', { name: 'Überarbeitungen und Stabilität je Frage' });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows.map((r) => [...r.children].map((c) => c.textContent))).toEqual([
      ['Wohnen', '3', '2', '2 (Änderungen: 3)', '1', '0', '1', '0', '1', '3', '33,3 %', 'nein', '–'],
      ['Mobilität – Wichtigkeit', '3', '0', '0 (Änderungen: 0)', '0', '0', '0', '0', '–', '3', '0,0 %', 'ja', '–'],
      ['Mobilität – Machbarkeit', '3', '0', '0 (Änderungen: 0)', '0', '0', '0', '0', '–', '3', '0,0 %', 'ja', '–'],
    ]);
    expect(screen.getByText('Nicht im Verlauf (Auswahl-, Rangfolge- und Freitextfragen): Bevorzugtes Format?')).toBeInTheDocument();
  });

  it('draws the first item’s median and IQR over time with a text alternative and a table', async () => {
    const user = userEvent.setup();
    render(<RealtimeReport data={history()} def={fixtureSurvey.definition} labels={labels()} lang="de" />);
    const chart = screen.getByRole('img', { name: 'Wohnen: 2 Stände, Median von 3 auf 4, IQR von 2,5–3,5 auf 3,5–4,5, zuletzt 3 gültige Antworten' });
    await waitFor(() => expect(chart.querySelector('svg')).not.toBeNull());
    expect(chart.querySelector('svg')).toHaveAttribute('aria-hidden', 'true');
    const table = screen.getByRole('table', { name: 'Verlauf: Wohnen', hidden: true });
    const rows = within(table).getAllByRole('row', { hidden: true }).slice(1);
    expect(rows.map((r) => [...r.children].slice(1).map((c) => c.textContent))).toEqual([
      ['1', '2', '0', '3', '2,5', '3,5', '1', '○ Kein Konsens'],
      ['1', '3', '0', '4', '3,5', '4,5', '1', '✓ Konsens'],
    ]);

    // The other item: one series per criterion, an empty one says so.
    await user.selectOptions(screen.getByLabelText('Frage'), 't2');
    expect(screen.getByRole('img', { name: 'Mobilität – Wichtigkeit: ein Stand, Median 5, IQR 5–5, 1 gültige Antworten' })).toBeInTheDocument();
    expect(within(screen.getByRole('region', { name: 'Mobilität – Machbarkeit' })).getByText('Noch keine gezählten Antworten.')).toBeInTheDocument();
  });

  it('speaks English', async () => {
    await i18n.changeLanguage('en');
    render(<RealtimeReport data={{ ...history(), live: false, count: 'all' }} def={fixtureSurvey.definition} labels={labels()} lang="en" />);
    expect(screen.getByTestId('realtime-summary')).toHaveTextContent('7 stored changes by 4 experts, 3 of them counted.');
    expect(screen.getByText('Every stored answer counts, drafts included, from the moment it was saved.')).toBeInTheDocument();
    expect(screen.getByRole('img', { name: /^Housing: 2 states, median from 3 to 4/ })).toBeInTheDocument();
  });
});

describe('steps', () => {
  it('holds each state until the next change, the last until the time of the numbers', () => {
    const s = steps([point('2026-11-02T09:00:00Z', 1, 3, 3, 3), point('2026-11-02T09:00:05Z', 2, 4, 3.5, 4.5)], '2026-11-02T10:00:00Z');
    expect(s.map((x) => [x.from.toISOString(), x.to.toISOString(), x.median])).toEqual([
      ['2026-11-02T09:00:00.000Z', '2026-11-02T09:00:05.000Z', 3],
      ['2026-11-02T09:00:05.000Z', '2026-11-02T10:00:00.000Z', 4],
    ]);
    // A single state at the time of the numbers still spans a minute.
    expect(steps([point('2026-11-02T10:00:00Z', 1, 3, 3, 3)], '2026-11-02T10:00:00Z')[0]!.to.toISOString()).toBe('2026-11-02T10:01:00.000Z');
  });
});

describe('the results page', () => {
  const setup = (mode?: string) => {
    mockFetch({
      'GET /api/v1/me': { body: adminUser },
      [`GET ${api}`]: { body: { ...fixtureSurvey, definition: { ...fixtureSurvey.definition, ...(mode ? { mode } : {}) } } },
      [`GET ${api}/results/overview`]: { body: board },
      [`GET ${api}/rounds/1/results`]: { body: round1 },
      [`GET ${api}/rounds/2/results`]: { body: round2 },
      [`GET ${api}/rounds/2/transitions`]: { body: transitions2 },
      [`GET ${api}/results/realtime`]: { body: history() },
    });
    renderAt('/surveys/demo-2026/results?view=realtime');
  };

  it('has the history tab for a real-time study', async () => {
    setup('realtime');
    expect(await screen.findByRole('tab', { name: 'Verlauf (Echtzeit)', selected: true })).toBeInTheDocument();
    expect(await screen.findByTestId('realtime-summary')).toHaveTextContent('7 gespeicherte Änderungen');
  });

  it('has none for a study in rounds, and shows the board instead', async () => {
    setup();
    expect(await screen.findByRole('tab', { name: 'Konsens-Board', selected: true })).toBeInTheDocument();
    expect(screen.queryByRole('tab', { name: 'Verlauf (Echtzeit)' })).toBeNull();
  });
});
