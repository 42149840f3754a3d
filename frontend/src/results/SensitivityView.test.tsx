import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { board, round1, round2, transitions2 } from './fixture';
import type { Sensitivity, SensitivityRule } from '../api/types';
import { fixtureSurvey } from '../test/fixture';
import { adminUser, mockFetch, renderAt } from '../test/utils';

const api = '/api/v1/surveys/demo-2026';

/** A report with the grid of the server (min n 3/5/8, IQR none/0.5/1/1.5, 60–90 %) and one extra rule. */
function report(): Sensitivity {
  const rules: SensitivityRule[] = [];
  for (const n of [3, 5, 8])
    for (const iqr of [null, 0.5, 1, 1.5])
      for (const a of [60, 65, 70, 75, 80, 85, 90])
        rules.push({ id: `a${a}${iqr == null ? '' : `_iqr${iqr}`}_n${n}`, kind: 'grid', grid: { agreement_percent: a, iqr_max: iqr, min_n: n }, rule: {} });
  rules.push({ id: 'streng', kind: 'extra', rule: {} });
  // t1 has 78 % agreement and IQR 1: in up to 75 %, except under IQR ≤ 0.5.
  const t1 = rules.map((r) => (r.kind === 'extra' ? 'none' : (r.grid!.agreement_percent <= 75 && r.grid!.iqr_max !== 0.5 ? 'consensus_in' : 'none')));
  return {
    survey_id: 'demo-2026', round: 2, live: true, computed_at: '2026-11-02T10:00:00Z', consensus_rule: {}, rule_text: {},
    threshold_percent: 75, near_percent: 5, min_n: 5, min_n_grid: [3, 5, 8],
    bootstrap: { resamples: 2000, level: 0.95, prng: 'splitmix64', seed: '…' },
    rules,
    items: [
      { item_id: 't1', position: 0, n: 18, agreement_count: 14, agreement_percent: 77.77777777777777, ci: { low: 55.55555555555556, high: 94.44444444444444, level: 0.95, resamples: 2000 },
        seed: 'ab', outcome: 'consensus_in', outcomes: t1, counts: {}, outcome_minus: 'consensus_in', outcome_plus: 'none', near_threshold: true },
      { item_id: 't2', criterion_id: 'imp', position: 1, n: 12, agreement_count: 12, agreement_percent: 100, ci: { low: 100, high: 100, level: 0.95, resamples: 2000 },
        seed: 'cd', outcome: 'consensus_in', outcomes: rules.map(() => 'consensus_in'), counts: {}, outcome_minus: 'consensus_in', outcome_plus: 'consensus_in', near_threshold: false },
    ],
  };
}

function setup() {
  mockFetch({
    'GET /api/v1/me': { body: adminUser },
    [`GET ${api}`]: { body: fixtureSurvey },
    [`GET ${api}/results/overview`]: { body: board },
    [`GET ${api}/rounds/1/results`]: { body: round1 },
    [`GET ${api}/rounds/2/results`]: { body: round2 },
    [`GET ${api}/rounds/2/transitions`]: { body: transitions2 },
    [`GET ${api}/rounds/2/sensitivity`]: { body: report() },
  });
  renderAt('/surveys/demo-2026/results?view=sensitivity');
  return userEvent.setup();
}

describe('SensitivityView', () => {
  it('is a tab of the results with the bundle download beside the exports', async () => {
    setup();
    expect(await screen.findByRole('tab', { name: 'Sensitivität', selected: true })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Analysepaket (ZIP, mit Skripten für Python und R)' })).toHaveAttribute('href', `${api}/export.zip?lang=de`);
  });

  it('shows the outcomes under the grid slice chosen, the CI and the flag near the threshold', async () => {
    const user = setup();
    const table = await screen.findByRole('table', { name: 'Konsens je Frage unter alternativen Regeln' });
    expect(screen.getByTestId('sensitivity-summary')).toHaveTextContent('1 von 2 Bewertungen kippt, wenn die Schwelle von 75 % um 5 Prozentpunkte sinkt oder steigt.');
    const head = within(table).getAllByRole('columnheader').map((h) => h.textContent);
    expect(head).toEqual(['Frage', 'n', 'Zustimmung %', '95-%-KI', 'Studienregel', 'kippt nahe der Schwelle',
      '≥ 60 %', '≥ 65 %', '≥ 70 %', '≥ 75 %', '≥ 80 %', '≥ 85 %', '≥ 90 %', 'streng']);
    const t1 = table.querySelector('tr[data-row="t1"]') as HTMLElement;
    const cells = within(t1).getAllByRole('cell').map((c) => c.textContent);
    expect(cells.slice(0, 5)).toEqual(['18', '77,8', '55,6–94,4', '✓ Konsens', 'ja: −5 Konsens, +5 Kein Konsens']);
    expect(cells[8]).toBe('✓ Konsens'); // ≥ 75 %
    expect(cells[9]).toBe('○ Kein Konsens'); // ≥ 80 %
    // IQR ≤ 0.5: t1 (IQR 1) has no consensus at any threshold.
    await user.selectOptions(screen.getByLabelText('IQR-Bedingung'), 'IQR ≤ 0,5');
    const after = within(table.querySelector('tr[data-row="t1"]') as HTMLElement).getAllByRole('cell').map((c) => c.textContent);
    expect(after.slice(5, 12)).toEqual(Array(7).fill('○ Kein Konsens'));
    expect(screen.getByLabelText('Mindestzahl n')).toHaveDisplayValue('5 (Studie)');
    // Only the flagged rows.
    await user.click(screen.getByRole('checkbox', { name: 'nur Fragen nahe der Schwelle' }));
    expect(table.querySelector('tr[data-row="t2/imp"]')).toBeNull();
    expect(table.querySelector('tr[data-row="t1"]')).not.toBeNull();
  });
});
