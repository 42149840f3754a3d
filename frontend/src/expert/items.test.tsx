import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { fixtureSurvey } from '../test/fixture';
import type { Item } from '../api/types';
import { inputs, type ItemInputProps } from './items';
import { parseLocaleNumber } from './items/NumericInput';
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
  it('moves options with the up and down buttons and saves the top k', async () => {
    const changes = renderInput(item('f3')); // top_k 3 of 4
    const list = screen.getByRole('list');
    const labels = () => within(list).getAllByRole('listitem').map((li) => li.getAttribute('data-option'));
    expect(labels()).toEqual(['a', 'b', 'c', 'd']);
    expect(screen.getByText('Noch keine Rangfolge gespeichert.')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Werkstatt nach oben' }));
    expect(changes).toEqual([['a', 'b', 'd']]);
    expect(labels()).toEqual(['a', 'b', 'd', 'c']);
    await userEvent.click(screen.getByRole('button', { name: 'Lernmodul nach unten' }));
    expect(changes.at(-1)).toEqual(['b', 'a', 'd']);
    expect(screen.getByRole('button', { name: 'Forum nach oben' })).toBeDisabled();
  });

  it('accepts the shown order, offers keyboard drag handles and marks previous ranks', async () => {
    const changes = renderInput(item('f3'), null, { previous: ['c', 'a', 'b'] });
    await userEvent.click(screen.getByRole('button', { name: 'Diese Reihenfolge übernehmen' }));
    expect(changes).toEqual([['a', 'b', 'c']]);
    const handle = screen.getByRole('button', { name: 'Lernmodul verschieben (Platz 1)' });
    expect(handle).toHaveAttribute('aria-roledescription');
    expect(screen.getByText('(Vorrunde: Platz 1)')).toBeInTheDocument();
  });
});

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
