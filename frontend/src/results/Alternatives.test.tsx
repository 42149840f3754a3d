import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import i18n from '../i18n';
import { fixtureSurvey } from '../test/fixture';
import type { Board, RoundResults, RuleSetInfo } from '../api/types';
import { ConsensusBoard } from './ConsensusBoard';
import { ItemDetail } from './ItemDetail';
import { board, round1, round2, transitions2 } from './fixture';
import { makeLabels } from './labels';

// The demo results with a primary rule, a numeric rule and two alternatives:
// "streng" (labelled) and "lax" (name only, no numeric rule).
const ruleSets: RuleSetInfo[] = [
  { name: 'primary', primary: true, rule: round1.consensus_rule, text: round1.rule_text, numeric: { iqr_relative: { max: 0.1 } }, numeric_text: { de: 'Konsens über den Schätzwert, wenn IQR ≤ 0,1 × Spannweite (Höchst- minus Mindestwert)', en: 'Consensus on the estimate when IQR ≤ 0.1 × the range (max − min)' } },
  { name: 'streng', label: { de: 'Streng', en: 'Strict' }, primary: false, rule: { agreement: { min_percent: 90 } }, text: { de: 'Konsens, wenn mindestens 90 % Zustimmung (Skalenpunkte 4–5)', en: 'Consensus when at least 90% agreement (scale points 4–5)' }, numeric: { cv: { max: 0.2 } }, numeric_text: { de: 'Konsens über den Schätzwert, wenn Variationskoeffizient ≤ 0,2', en: 'Consensus on the estimate when CV ≤ 0.2' } },
  { name: 'lax', primary: false, rule: { agreement: { min_percent: 60 } }, text: { de: 'Konsens, wenn mindestens 60 % Zustimmung (Skalenpunkte 4–5)', en: 'Consensus when at least 60% agreement (scale points 4–5)' } },
];

const alt = (streng: string, lax: string) => [
  { rule: 'streng', outcome: streng as 'none', reason: 'agreement=…' },
  { rule: 'lax', outcome: lax as 'none', reason: 'agreement=…' },
];

function withRules(r: RoundResults, overall: [string, string], pol: [string, string], numeric: { primary: string; streng: string }): RoundResults {
  const t1 = r.items[0]!;
  const rating = t1.rating!;
  return {
    ...r,
    rule_sets: ruleSets,
    items: [
      {
        ...t1,
        rating: {
          ...rating,
          alternatives: alt(...overall),
          by_group: { ...rating.by_group, pol: { ...rating.by_group.pol!, alternatives: alt(...pol) } },
        },
      },
      {
        item_id: 'n1',
        type: 'numeric',
        section_id: 'formate',
        position: 3,
        answered: 10,
        n: 10,
        numeric: {
          overall: t1.rating!.overall,
          by_group: {},
          consensus: { outcome: numeric.primary as 'none', reason: 'iqr_relative=…' },
          alternatives: [{ rule: 'streng', outcome: numeric.streng as 'none', reason: 'cv=…' }],
        },
        divergence_score: 0,
        comments: [],
      },
    ],
  };
}

const r1 = withRules(round1, ['none', 'consensus_in'], ['consensus_in', 'consensus_in'], { primary: 'none', streng: 'none' });
const r2 = withRules(round2, ['none', 'consensus_in'], ['none', 'consensus_in'], { primary: 'consensus_in', streng: 'none' });

function detail(itemId: string, lang = 'de') {
  render(
    <ItemDetail
      itemId={itemId}
      rounds={[r1, r2]}
      transitions={{ 2: transitions2 }}
      groups={['pol', 'civ']}
      labels={makeLabels(fixtureSurvey.definition, lang, fixtureSurvey.rule_text)}
      lang={lang}
    />,
  );
  return userEvent.setup();
}

const altBoard: Board = {
  ...board,
  alternatives: [{ name: 'streng', label: { de: 'Streng', en: 'Strict' } }, { name: 'lax' }],
  rows: board.rows.map((row) =>
    row.item_id === 't1'
      ? {
          ...row,
          cells: row.cells.map((c) => ({
            ...c,
            alternatives: [
              { rule: 'streng', outcome: 'none' as const },
              { rule: 'lax', outcome: 'consensus_in' as const },
            ],
          })),
        }
      : row,
  ),
};

describe('alternative consensus rules', () => {
  it('shows each alternative beside the primary outcome in the item detail, with the rules in words', async () => {
    const user = detail('t1');
    // The primary rule's table is unchanged.
    const cons = screen.getByRole('table', { name: 'Konsens je Runde (gesamt)' });
    expect(within(cons).getAllByRole('row')[2]).toHaveTextContent('Runde 2✓ Konsens');

    const table = screen.getByRole('table', { name: 'Alternative Konsensregeln je Runde (gesamt)' });
    expect(within(table).getAllByRole('columnheader').map((h) => h.textContent)).toEqual(['Runde', 'Streng', 'lax']);
    const rows = within(table).getAllByRole('row').map((r) => r.textContent);
    expect(rows).toEqual(['RundeStrenglax', 'Runde 1○ Kein Konsens✓ Konsens', 'Runde 2○ Kein Konsens✓ Konsens']);
    expect(screen.getByText('Konsens, wenn mindestens 90 % Zustimmung (Skalenpunkte 4–5)')).toBeInTheDocument();
    expect(screen.getByText('Konsens, wenn mindestens 60 % Zustimmung (Skalenpunkte 4–5)')).toBeInTheDocument();

    // One group: the group's outcomes under the alternatives.
    await user.selectOptions(screen.getByLabelText('Ansicht'), 'pol');
    const group = screen.getByRole('table', { name: 'Alternative Konsensregeln je Runde in der Gruppe „Politik und Verwaltung“' });
    expect(within(group).getAllByRole('row')[1]).toHaveTextContent('Runde 1✓ Konsens✓ Konsens');
    expect(within(group).getAllByRole('row')[2]).toHaveTextContent('Runde 2○ Kein Konsens✓ Konsens');
  });

  it('shows a numeric estimate\'s consensus under the primary rule and the alternatives that have a numeric rule', () => {
    detail('n1');
    const table = screen.getByRole('table', { name: 'Konsens über den Schätzwert je Runde' });
    // lax has no numeric rule: no column.
    expect(within(table).getAllByRole('columnheader').map((h) => h.textContent)).toEqual(['Runde', 'Primäre Regel', 'Streng']);
    expect(within(table).getAllByRole('row')[2]).toHaveTextContent('Runde 2✓ Konsens○ Kein Konsens');
    expect(screen.getByText(/IQR ≤ 0,1 × Spannweite/)).toBeInTheDocument();
    expect(screen.getByText('Konsens über den Schätzwert, wenn Variationskoeffizient ≤ 0,2')).toBeInTheDocument();
  });

  it('names the alternatives in English', async () => {
    await i18n.changeLanguage('en');
    try {
      detail('t1', 'en');
      const table = screen.getByRole('table', { name: 'Alternative consensus rules per round (overall)' });
      expect(within(table).getAllByRole('columnheader').map((h) => h.textContent)).toEqual(['Round', 'Strict', 'lax']);
      expect(screen.getByText('Consensus when at least 90% agreement (scale points 4–5)')).toBeInTheDocument();
    } finally {
      await i18n.changeLanguage('de');
    }
  });

  it('has no alternatives table for a study without alternatives', () => {
    render(
      <ItemDetail itemId="t1" rounds={[round1, round2]} transitions={{}} groups={[]} labels={makeLabels(fixtureSurvey.definition, 'de')} lang="de" />,
    );
    expect(screen.queryByRole('table', { name: /Alternative Konsensregeln/ })).toBeNull();
  });

  it('lists the alternatives\' outcomes in each board cell, for all groups together', async () => {
    render(<ConsensusBoard board={altBoard} labels={makeLabels(fixtureSurvey.definition, 'de')} lang="de" onOpenItem={() => {}} />);
    const cell = document.querySelectorAll('tr[data-row="t1"] td')[1] as HTMLElement;
    expect(cell).toHaveTextContent('✓ Konsens');
    expect(cell.querySelector('[data-rule="streng"]')).toHaveTextContent('Streng: ○ Kein Konsens');
    expect(cell.querySelector('[data-rule="lax"]')).toHaveTextContent('lax: ✓ Konsens');
    expect(screen.getByTestId('alternatives-note')).toHaveTextContent('alternativen Regeln: Streng, lax.');
    // Rows without alternatives have none.
    expect(document.querySelector('tr[data-row="t2/imp"] .cell-alts')).toBeNull();

    // Per group the board has the primary outcome only, and says where the rest is.
    await userEvent.setup().selectOptions(screen.getByLabelText('Expertengruppe'), 'pol');
    expect(document.querySelector('tr[data-row="t1"] .cell-alts')).toBeNull();
    expect(screen.getByTestId('alternatives-note')).toHaveTextContent('in der Detailansicht eines Items');
  });
});
