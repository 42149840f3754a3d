import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { describe, expect, it } from 'vitest';
import { fixtureSurvey } from '../../test/fixture';
import type { AnswerValue, Item } from '../../api/types';
import { inputs } from '.';
import { isComplete, valueText } from '../util';
import { placesFor, rankingAnswer, readRanking, tiedWithAbove } from './tiedRanking';

const def = fixtureSurvey.definition;
const f3 = def.sections!.flatMap((s) => s.items ?? []).find((i) => i.id === 'f3')!;
// A full ranking of the four options with ties, in the study's order.
const tieItem: Item = { ...f3, top_k: undefined, randomize_options: false, ties: true };

function renderRanking(it: Item, initial: AnswerValue, previous?: AnswerValue) {
  const changes: AnswerValue[] = [];
  const Input = inputs.ranking!;
  function Host() {
    const [v, setV] = useState<AnswerValue>(initial);
    return (
      <Input
        item={it}
        scales={def.scales}
        value={v}
        previous={previous}
        onChange={(x) => {
          changes.push(x);
          setV(x);
        }}
        lang="de"
        legend="Formate"
      />
    );
  }
  render(<Host />);
  return changes;
}

const shownPlaces = () =>
  within(screen.getByRole('list', { name: 'Ihre Rangfolge' }))
    .getAllByRole('listitem')
    .filter((li) => li.getAttribute('data-option'))
    .map((li) => `${li.querySelector('.rank')?.textContent}${li.getAttribute('data-option')}`);

describe('tiedRanking', () => {
  it('reads lists and {order, places}, and answers a list while nothing is tied', () => {
    expect(readRanking(['b', 'a'])).toEqual({ order: ['b', 'a'], places: [1, 2] });
    expect(readRanking({ order: ['b', 'a', 'c'], places: [1, 1, 3] })).toEqual({ order: ['b', 'a', 'c'], places: [1, 1, 3] });
    expect(readRanking({ order: ['b'], places: [1, 2] })).toEqual({ order: [], places: [] });
    expect(readRanking(null)).toEqual({ order: [], places: [] });
    expect(placesFor(['a', 'b', 'c', 'd'], ['b', 'd'])).toEqual([1, 1, 3, 3]);
    expect(placesFor(['a', 'b', 'c'], ['a', 'b', 'c'])).toEqual([1, 1, 1]); // the first has no place above
    expect(tiedWithAbove({ order: ['a', 'b', 'c', 'd'], places: [1, 1, 3, 3] })).toEqual(['b', 'd']);
    expect(rankingAnswer(['a', 'b', 'c'], [])).toEqual(['a', 'b', 'c']);
    expect(rankingAnswer(['a', 'b', 'c'], ['c'])).toEqual({ order: ['a', 'b', 'c'], places: [1, 2, 2] });
  });
});

describe('ranking with ties', () => {
  it('offers "same place as above" on every place but the first and sends competition places', async () => {
    const changes = renderRanking(tieItem, ['b', 'a', 'd', 'c']);
    expect(screen.getByText(/Mehrere Optionen dürfen sich einen Platz teilen/)).toBeInTheDocument();
    expect(screen.queryByRole('checkbox', { name: /^Forum:/ })).not.toBeInTheDocument(); // place 1
    const tie = screen.getByRole('checkbox', { name: 'Lernmodul: Gleicher Platz wie darüber (Forum)' });
    await userEvent.click(tie);
    expect(changes).toEqual([{ order: ['b', 'a', 'd', 'c'], places: [1, 1, 3, 4] }]);
    expect(shownPlaces()).toEqual(['1b', '1a', '3d', '4c']);
    expect(screen.getByText('Lernmodul: gleicher Platz wie darüber, Platz 1.')).toHaveAttribute('role', 'status');
    // With the keyboard: Tab to the next switch, Space ties Plattform to Werkstatt.
    screen.getByRole('checkbox', { name: 'Plattform: Gleicher Platz wie darüber (Werkstatt)' }).focus();
    await userEvent.keyboard(' ');
    expect(changes.at(-1)).toEqual({ order: ['b', 'a', 'd', 'c'], places: [1, 1, 3, 3] });
    expect(isComplete(tieItem, changes.at(-1))).toBe(true);
    expect(valueText(tieItem, changes.at(-1), def.scales, 'de')).toBe('1. Forum, 1. Lernmodul, 3. Werkstatt, 3. Plattform');
    // Untie: back to a plain list once nothing is tied.
    await userEvent.click(tie);
    await userEvent.click(screen.getByRole('checkbox', { name: 'Plattform: Gleicher Platz wie darüber (Werkstatt)' }));
    expect(changes.at(-1)).toEqual(['b', 'a', 'd', 'c']);
    expect(screen.getByText('Plattform: eigener Platz, Platz 4.')).toHaveAttribute('role', 'status');
  });

  it('gives a moved option a place of its own and shows the previous round’s tied places', async () => {
    const changes = renderRanking(tieItem, { order: ['b', 'a', 'd', 'c'], places: [1, 1, 3, 4] }, { order: ['c', 'd', 'a', 'b'], places: [1, 1, 3, 3] });
    expect(shownPlaces()).toEqual(['1b', '1a', '3d', '4c']);
    expect(screen.getByRole('checkbox', { name: 'Lernmodul: Gleicher Platz wie darüber (Forum)' })).toBeChecked();
    // Werkstatt's previous place was 1 (tied with Plattform).
    expect(within(screen.getByRole('list', { name: 'Ihre Rangfolge' })).getAllByText('(Vorrunde: Platz 1)')).toHaveLength(2);
    await userEvent.click(screen.getByRole('button', { name: 'Lernmodul nach unten' }));
    expect(changes.at(-1)).toEqual(['b', 'd', 'a', 'c']);
    expect(shownPlaces()).toEqual(['1b', '2d', '3a', '4c']);
  });

  it('shows no switch when the item does not allow ties', () => {
    renderRanking({ ...tieItem, ties: undefined }, ['b', 'a', 'd', 'c']);
    expect(screen.queryAllByRole('checkbox')).toHaveLength(0);
    expect(screen.queryByText(/Mehrere Optionen dürfen sich einen Platz teilen/)).not.toBeInTheDocument();
  });
});
