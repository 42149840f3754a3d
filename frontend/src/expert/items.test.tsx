import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { fixtureSurvey } from '../test/fixture';
import type { Item, Scale } from '../api/types';
import { inputs, type ItemInputProps } from './items';
import { parseLocaleNumber } from './items/NumericInput';
import { seededShuffle } from './shuffle';
import { isComplete, valueText } from './util';
import { placesFor, rankingAnswer, readRanking, tiedWithAbove } from './items/tiedRanking';
import type { AnswerValue } from '../api/types';

const def = fixtureSurvey.definition;
const item = (id: string): Item => def.sections!.flatMap((s) => s.items ?? []).find((i) => i.id === id)!;

/** Renders the input of an item as a controlled component and records its changes. */
function renderInput(it: Item, initial: AnswerValue = null, extra: Partial<ItemInputProps> = {}) {
  const changes: AnswerValue[] = [];
  const Input = inputs[it.type]!;
  function Host() {
    const [v, setV] = useState<AnswerValue>(initial);
    return (
      <Input
        item={it}
        scales={def.scales}
        value={v}
        onChange={(x) => {
          changes.push(x);
          setV(x);
        }}
        lang="de"
        legend={it.text.de!}
        {...extra}
      />
    );
  }
  render(<Host />);
  return changes;
}

describe('rating on a sparsely labelled scale', () => {
  it('names each unlabelled point by its number, and keeps the labels that are given', async () => {
    // points: {from: 1, to: 7} with labels at 1, 4 and 7, as the server sends it.
    const sparse: Scale = {
      id: 'agree7',
      points: [
        { value: 1, label: { de: 'gar nicht', en: 'not at all' } },
        { value: 2 },
        { value: 3 },
        { value: 4, label: { de: 'teils', en: 'partly' } },
        { value: 5 },
        { value: 6 },
        { value: 7, label: { de: 'voll', en: 'fully' } },
      ],
      agreement: { min: 5, max: 7 },
    };
    const it7: Item = { id: 's1', type: 'rating', scale: 'agree7', text: { de: 'Aussage' } };
    const changes = renderInput(it7, null, { scales: [sparse], previous: 3 });
    const group = screen.getByRole('group', { name: 'Aussage' });
    const names = within(group)
      .getAllByRole('radio')
      .map((r) => r.getAttribute('aria-label') ?? document.querySelector(`label[for="${r.id}"]`)?.textContent);
    expect(names).toEqual(['1 gar nicht', '2', '3 (Ihre Antwort in der Vorrunde)', '4 teils', '5', '6', '7 voll']);
    // Exact accessible names: the number alone, not "2 " with an empty text.
    expect(within(group).getByRole('radio', { name: '2' })).toHaveAttribute('aria-label', '2');
    expect(within(group).getByRole('radio', { name: '3 (Ihre Antwort in der Vorrunde)' })).not.toBeChecked();
    expect(within(group).getByRole('radio', { name: '4 teils' })).not.toHaveAttribute('aria-label');
    expect(group.querySelectorAll('.point-label')).toHaveLength(3);
    await userEvent.click(within(group).getByRole('radio', { name: '6' }));
    expect(changes).toEqual([6]);
  });
});

describe('rating', () => {
  it('is a radio group with a legend, the scale points and "cannot judge"', async () => {
    const changes = renderInput(item('t1'), null, { previous: 2 });
    const group = screen.getByRole('group', { name: 'Wohnen' });
    const radios = within(group).getAllByRole('radio');
    expect(radios).toHaveLength(6);
    await userEvent.click(within(group).getByRole('radio', { name: /4 eher wichtig/ }));
    await userEvent.click(within(group).getByRole('radio', { name: /kann ich nicht beurteilen/ }));
    expect(changes).toEqual([4, 'abstain']);
    // The previous answer is marked in its label.
    expect(within(group).getByRole('radio', { name: /2 eher unwichtig \(Ihre Antwort in der Vorrunde\)/ })).not.toBeChecked();
  });

  it('is operable with the keyboard', async () => {
    const changes = renderInput(item('t1'), 3);
    const three = screen.getByRole('radio', { name: /3 teils/ });
    three.focus();
    await userEvent.keyboard('{ArrowRight}');
    expect(changes).toEqual([4]);
  });
});

describe('multi_rating', () => {
  it('has one labelled group per criterion and merges the ratings', async () => {
    const changes = renderInput(item('t2'), { imp: 5 });
    const outer = screen.getByRole('group', { name: 'Mobilität' });
    const feas = within(outer).getByRole('group', { name: 'Machbarkeit' });
    expect(within(feas).getAllByRole('radio')).toHaveLength(3); // no abstain on this scale
    await userEvent.click(within(feas).getByRole('radio', { name: /3 machbar/ }));
    expect(changes).toEqual([{ imp: 5, feas: 3 }]);
    expect(within(outer).getByRole('group', { name: 'Wichtigkeit' })).toBeInTheDocument();
  });
});

describe('single_choice', () => {
  it('chooses one option', async () => {
    const changes = renderInput(item('f1'));
    await userEvent.click(screen.getByRole('radio', { name: 'Werkstatt' }));
    expect(changes).toEqual(['ws']);
  });
});

describe('multiple_choice', () => {
  it('keeps the option order and disables the rest at max_choices', async () => {
    const changes = renderInput(item('f2'));
    await userEvent.click(screen.getByRole('checkbox', { name: 'Peer-Besuch' }));
    await userEvent.click(screen.getByRole('checkbox', { name: 'Bundestagung' }));
    expect(changes).toEqual([['peer'], ['conf', 'peer']]);
    expect(screen.getByRole('checkbox', { name: 'Exkursion' })).toBeDisabled();
    expect(screen.getByText('Wählen Sie höchstens 2 Optionen.')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('checkbox', { name: 'Bundestagung' }));
    expect(changes.at(-1)).toEqual(['peer']);
    expect(screen.getByRole('checkbox', { name: 'Exkursion' })).toBeEnabled();
  });
});

describe('ranking', () => {
  const places = () => within(screen.getByRole('list', { name: 'Ihre Rangfolge' }));
  const ranked = () =>
    places()
      .queryAllByRole('listitem')
      .map((li) => li.getAttribute('data-option'))
      .filter(Boolean);
  const poolList = () => screen.queryByRole('list', { name: /^Optionen/ });
  const pool = () => within(poolList()!).getAllByRole('listitem').map((li) => li.getAttribute('data-option'));

  it('starts empty, fills the places with the buttons and is answered only when k places are filled', async () => {
    const changes = renderInput(item('f3'), null, { seed: 'E-TEST' }); // top_k 3 of 4
    expect(ranked()).toEqual([]);
    expect(places().getByText('Platz 1: noch frei – wählen Sie eine Option unten.')).toBeInTheDocument();
    expect(screen.getByText(/^0 von 3 Plätzen belegt/)).toBeInTheDocument();
    expect([...pool()].sort()).toEqual(['a', 'b', 'c', 'd']);
    await userEvent.click(screen.getByRole('button', { name: 'Werkstatt auf Platz 1 setzen' }));
    await userEvent.click(screen.getByRole('button', { name: 'Forum auf Platz 2 setzen' }));
    expect(changes).toEqual([['d'], ['d', 'b']]);
    expect(ranked()).toEqual(['d', 'b']);
    expect(screen.getByText(/^2 von 3 Plätzen belegt/)).toBeInTheDocument();
    expect(isComplete(item('f3'), changes.at(-1))).toBe(false);
    await userEvent.click(screen.getByRole('button', { name: 'Lernmodul auf Platz 3 setzen' }));
    expect(changes.at(-1)).toEqual(['d', 'b', 'a']);
    expect(isComplete(item('f3'), changes.at(-1))).toBe(true);
    expect(screen.getByText('Alle 3 Plätze belegt.')).toBeInTheDocument();
    // Full: the last option can no longer be added, only swapped in after taking one out.
    expect(pool()).toEqual(['c']);
    expect(screen.queryByRole('button', { name: /Plattform auf Platz/ })).not.toBeInTheDocument();
    expect(screen.getByText(/Alle Plätze sind belegt/)).toBeInTheDocument();
  });

  it('moves a ranked option up, down and out; it stays where it was moved and the value is exactly the places', async () => {
    const changes = renderInput(item('f3'), ['d', 'b', 'a'], { seed: 'E-TEST' });
    const poolBefore = pool();
    await userEvent.click(screen.getByRole('button', { name: 'Lernmodul nach oben' }));
    expect(changes).toEqual([['d', 'a', 'b']]);
    expect(ranked()).toEqual(['d', 'a', 'b']); // not rebuilt in the study's order
    await userEvent.click(screen.getByRole('button', { name: 'Lernmodul nach oben' }));
    expect(changes.at(-1)).toEqual(['a', 'd', 'b']);
    expect(screen.getByRole('button', { name: 'Lernmodul nach oben' })).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Forum nach unten' })).toBeDisabled();
    await userEvent.click(screen.getByRole('button', { name: 'Werkstatt aus der Rangfolge nehmen' }));
    expect(changes.at(-1)).toEqual(['a', 'b']);
    // Back in the pool, in the expert's order of the options; the pool's order is otherwise unchanged.
    const order = seededShuffle(['a', 'b', 'c', 'd'], 'E-TEST|f3');
    expect(pool()).toEqual(order.filter((x) => x === 'c' || x === 'd'));
    expect(poolBefore).toEqual(['c']);
    await userEvent.click(screen.getByRole('button', { name: 'Plattform auf Platz 3 setzen' }));
    expect(changes.at(-1)).toEqual(['a', 'b', 'c']);
  });

  it('works with the keyboard alone; the focus follows the option', async () => {
    const changes = renderInput(item('f3'), null, { seed: 'E-TEST', previous: ['c', 'a', 'b'] });
    const first = pool()[0]!;
    const add = (id: string) => screen.getByRole('button', { name: new RegExp(`^${label(id)} auf Platz`) });
    const label = (id: string) => ({ a: 'Lernmodul', b: 'Forum', c: 'Plattform', d: 'Werkstatt' })[id]!;
    add(first).focus();
    await userEvent.keyboard('{Enter}');
    expect(changes).toEqual([[first]]);
    // The focus moves on to the next option of the pool, ready to add it.
    const second = pool()[0]!;
    expect(document.activeElement).toBe(add(second));
    await userEvent.keyboard(' ');
    expect(changes.at(-1)).toEqual([first, second]);
    const third = pool()[0]!;
    expect(document.activeElement).toBe(add(third));
    await userEvent.keyboard('{Enter}');
    expect(changes.at(-1)).toEqual([first, second, third]);
    // Full: the focus is on the last added option's handle; Tab reaches its ↑ button.
    expect(document.activeElement).toBe(screen.getByRole('button', { name: `${label(third)} verschieben (Platz 3)` }));
    await userEvent.tab();
    expect(document.activeElement).toBe(screen.getByRole('button', { name: `${label(third)} nach oben` }));
    await userEvent.keyboard('{Enter}');
    expect(changes.at(-1)).toEqual([first, third, second]);
    expect(document.activeElement).toBe(screen.getByRole('button', { name: `${label(third)} nach oben` }));
    // Out again with ✕ (Tab past ↓).
    await userEvent.tab();
    await userEvent.tab();
    expect(document.activeElement).toBe(screen.getByRole('button', { name: `${label(third)} aus der Rangfolge nehmen` }));
    await userEvent.keyboard('{Enter}');
    expect(changes.at(-1)).toEqual([first, second]);
    expect(document.activeElement).toBe(add(third));
    // Drag handles are keyboard draggables (dnd-kit), and previous ranks are marked.
    expect(screen.getByRole('button', { name: `${label(first)} verschieben (Platz 1)` })).toHaveAttribute('aria-roledescription');
    expect(screen.getByText('(Vorrunde: Platz 1)')).toBeInTheDocument();
  });

  it('shows the options in an order of each expert’s own, the same on every visit, unless the study keeps its order', () => {
    const orderFor = (seed: string, it: Item = item('f3')) => {
      const { unmount } = render(
        <RankingInputHost item={it} seed={seed} />,
      );
      const order = pool();
      unmount();
      return order.join('');
    };
    const one = orderFor('E-AAAA');
    expect(orderFor('E-AAAA')).toBe(one);
    const orders = new Set(['E-AAAA', 'E-BBBB', 'E-CCCC', 'E-DDDD', 'E-EEEE', 'E-FFFF'].map((x) => orderFor(x)));
    expect(orders.size).toBeGreaterThan(1);
    const fixed = { ...item('f3'), randomize_options: false };
    expect(orderFor('E-AAAA', fixed)).toBe('abcd');
    expect(orderFor('E-BBBB', fixed)).toBe('abcd');
  });

  it('ranks all options when there is no top_k', async () => {
    const full = { ...item('f3'), top_k: undefined, randomize_options: false };
    const changes = renderInput(full, ['b', 'a', 'd']);
    expect(isComplete(full, changes.at(-1) ?? ['b', 'a', 'd'])).toBe(false);
    await userEvent.click(screen.getByRole('button', { name: 'Plattform auf Platz 4 setzen' }));
    expect(changes).toEqual([['b', 'a', 'd', 'c']]);
    expect(isComplete(full, changes.at(-1))).toBe(true);
    expect(screen.getByText('Alle Optionen sind in Ihrer Rangfolge.')).toBeInTheDocument();
  });
});

/** A ranking input with a fixed value, for reading the pool's order. */
function RankingInputHost({ item: it, seed }: { item: Item; seed: string }) {
  const Input = inputs.ranking!;
  return <Input item={it} scales={def.scales} value={null} onChange={() => {}} lang="de" legend="Formate" seed={seed} />;
}

describe('numeric', () => {
  it('reads German decimal commas and checks bounds before saving', async () => {
    const changes = renderInput(item('n1'));
    const input = screen.getByRole('textbox', { name: 'Jährliches Budget?' });
    await userEvent.type(input, '12,5');
    expect(changes.at(-1)).toBe(12.5);
    await userEvent.clear(input);
    await userEvent.type(input, '3000');
    expect(screen.getByRole('alert')).toHaveTextContent('Höchstens 2.500,5');
    expect(changes.at(-1)).toBe(300); // the last valid value; 3000 is not saved
    expect(input).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByText(/Tsd. Euro/)).toBeInTheDocument();
  });

  it('parses numbers per language', () => {
    expect(parseLocaleNumber('1.234,5', 'de')).toBe(1234.5);
    expect(parseLocaleNumber('1,234.5', 'en')).toBe(1234.5);
    expect(parseLocaleNumber('abc', 'de')).toBeNaN();
  });
});

describe('text', () => {
  it('counts characters up to the item limit', async () => {
    const changes = renderInput(item('x1'));
    const box = screen.getByRole('textbox', { name: 'Welche weiteren Themen?' });
    expect(box).toHaveAttribute('maxLength', '800');
    await userEvent.type(box, 'Wald');
    expect(changes.at(-1)).toBe('Wald');
    expect(screen.getByText('4 von 800 Zeichen')).toBeInTheDocument();
  });
});

describe('disabled', () => {
  it('disables every control of a closed round', () => {
    const onChange = vi.fn();
    const Input = inputs.rating!;
    render(<Input item={item('t1')} scales={def.scales} value={4} onChange={onChange} lang="de" legend="Wohnen" disabled />);
    for (const r of screen.getAllByRole('radio')) expect(r).toBeDisabled();
  });
});

// Rankings with ties (an item with ties: true): a full ranking of f3's four options in the study's order.
const tieItem: Item = { ...item('f3'), top_k: undefined, randomize_options: false, ties: true };

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
    const changes = renderInput(tieItem, ['b', 'a', 'd', 'c']);
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
    const changes = renderInput(tieItem, { order: ['b', 'a', 'd', 'c'], places: [1, 1, 3, 4] }, { previous: { order: ['c', 'd', 'a', 'b'], places: [1, 1, 3, 3] } });
    expect(shownPlaces()).toEqual(['1b', '1a', '3d', '4c']);
    expect(screen.getByRole('checkbox', { name: 'Lernmodul: Gleicher Platz wie darüber (Forum)' })).toBeChecked();
    // Werkstatt's previous place was 1 (tied with Plattform).
    expect(within(screen.getByRole('list', { name: 'Ihre Rangfolge' })).getAllByText('(Vorrunde: Platz 1)')).toHaveLength(2);
    await userEvent.click(screen.getByRole('button', { name: 'Lernmodul nach unten' }));
    expect(changes.at(-1)).toEqual(['b', 'd', 'a', 'c']);
    expect(shownPlaces()).toEqual(['1b', '2d', '3a', '4c']);
  });

  it('shows no switch when the item does not allow ties', () => {
    renderInput({ ...tieItem, ties: undefined }, ['b', 'a', 'd', 'c']);
    expect(screen.queryAllByRole('checkbox')).toHaveLength(0);
    expect(screen.queryByText(/Mehrere Optionen dürfen sich einen Platz teilen/)).not.toBeInTheDocument();
  });
});
