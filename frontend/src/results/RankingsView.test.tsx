import { render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { fixtureSurvey } from '../test/fixture';
import { round1, round2 } from './fixture';
import { makeLabels } from './labels';
import { RankingsView } from './RankingsView';

describe('RankingsView', () => {
  it('shows mean ranks in order with Kendall’s W and p', () => {
    render(<RankingsView results={round1} labels={makeLabels(fixtureSurvey.definition, 'de')} lang="de" />);
    const table = screen.getByRole('table', { name: /^Gesamt/ });
    expect(table).toHaveAccessibleName('Gesamt – Kendalls W = 0,412, p < 0,001, m = 18');
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows.map((r) => r.getAttribute('data-option'))).toEqual(['b', 'a', 'c', 'd']);
    // Mean rank 2,25; first share 0.25 → 25,0 %; top-3 share 0.8125 → 81,3 %.
    expect(rows[1]).toHaveTextContent('2Lernmodul2,2525,0 %81,3 %');

    const groups = screen.getByRole('table', { name: 'Übereinstimmung je Gruppe' });
    const g = within(groups).getAllByRole('row').slice(1).map((r) => r.textContent);
    expect(g).toEqual(['Politik und Verwaltung100,50,012Forum', 'Zivilgesellschaft0–––']);
  });

  it('says so when a round has no ranking item', () => {
    render(<RankingsView results={round2} labels={makeLabels(fixtureSurvey.definition, 'de')} lang="de" />);
    expect(screen.getByText('In dieser Runde gibt es keine Rangfolge-Items.')).toBeInTheDocument();
  });
});
