import { render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { fixtureSurvey } from '../test/fixture';
import { DivergenceView } from './DivergenceView';
import { round1, round2 } from './fixture';
import { makeLabels } from './labels';

describe('DivergenceView', () => {
  it('lists the items where groups disagree most first, with group medians side by side', () => {
    render(<DivergenceView results={round1} labels={makeLabels(fixtureSurvey.definition, 'de')} lang="de" onOpenItem={() => {}} />);
    const items = screen.getAllByRole('listitem');
    expect(items.map((li) => li.getAttribute('data-row'))).toEqual(['t2/feas', 't1']); // score 2,25 before 1,375
    expect(items[0]).toHaveTextContent('Divergenzwert 2,25');
    expect(items[0]).toHaveTextContent('gegensätzlicher Konsens, zweigipflig');
    const t1 = within(items[1]!).getByRole('table', { name: 'Mediane je Gruppe: Wohnen' });
    const rows = within(t1).getAllByRole('row').slice(1);
    expect(rows.map((r) => r.textContent)).toEqual([
      'Politik und Verwaltung4,510✓ Konsens',
      'Zivilgesellschaft28○ Kein Konsens',
    ]);
    expect(items[1]).toHaveTextContent('Medianabstand 2,5');
    // A group below the minimum n is marked.
    expect(items[0]).toHaveTextContent('Zivilgesellschaft (zu wenige Antworten)');
  });

  it('shows a group without answers as "keine Antworten", not as no consensus', () => {
    const r = structuredClone(round1);
    const t1 = r.items.find((it) => it.item_id === 't1')!.rating!;
    t1.divergence.group_medians.push({ group: 'wiss', median: null, n: 0, eligible: false, consensus: 'none' } as (typeof t1.divergence.group_medians)[number]);
    render(<DivergenceView results={r} labels={makeLabels(fixtureSurvey.definition, 'de')} lang="de" onOpenItem={() => {}} />);
    const row = screen.getAllByRole('row').find((tr) => tr.textContent?.startsWith('wiss'))!;
    expect(row).toHaveTextContent('keine Antworten');
    expect(row).not.toHaveTextContent('Kein Konsens');
  });

  it('says so when no group differs', () => {
    render(<DivergenceView results={round2} labels={makeLabels(fixtureSurvey.definition, 'de')} lang="de" onOpenItem={() => {}} />);
    expect(screen.getByText('In dieser Runde liegen die Gruppen bei keinem Item deutlich auseinander.')).toBeInTheDocument();
  });
});
