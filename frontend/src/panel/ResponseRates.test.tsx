import { render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import i18n from '../i18n';
import type { ResponseRates as Rates } from '../api/types';
import { ResponseRates } from './ResponseRates';

const rates: Rates = {
  round: 2,
  groups: [
    {
      group: 'pol',
      label: { de: 'Politik und Verwaltung', en: 'Politics and administration' },
      panel: 5,
      invited: { count: 5, percent: '100' },
      invited_by: { mail: 5, file: 0 },
      opened: { count: 4, percent: '80' },
      started: { count: 3, percent: '60' },
      submitted: { count: 2, percent: '40' },
    },
    {
      group: 'civ',
      label: { de: 'Zivilgesellschaft' },
      panel: 0,
      invited: { count: 0, percent: '' },
      invited_by: { mail: 0, file: 0 },
      opened: { count: 0, percent: '' },
      started: { count: 0, percent: '' },
      submitted: { count: 0, percent: '' },
    },
  ],
  total: {
    group: '',
    panel: 5,
    invited: { count: 5, percent: '100' },
    invited_by: { mail: 5, file: 0 },
    opened: { count: 4, percent: '80' },
    started: { count: 3, percent: '60' },
    submitted: { count: 2, percent: '40' },
  },
  panel: 5,
  invited: 5,
  invited_by: { mail: 5, file: 0 },
  opened: 4,
  started: 3,
  submitted: 2,
  by_group: {
    pol: { invited: 5, invited_by: { mail: 5, file: 0 }, opened: 4, started: 3, submitted: 2 },
    civ: { invited: 0, invited_by: { mail: 0, file: 0 }, opened: 0, started: 0, submitted: 0 },
  },
};

describe('ResponseRates', () => {
  it('draws a bar per group and stage, with the numbers as text', () => {
    render(<ResponseRates rates={rates} />);
    const figure = screen.getByRole('figure', { name: /Rücklauf in Runde 2/ });
    const table = within(figure).getByRole('table');
    const pol = within(table).getByRole('row', { name: /Politik und Verwaltung/ });
    const cells = within(pol).getAllByRole('cell');
    expect(cells.map((c) => c.textContent)).toEqual(['5', '5 (100 %)', '4 (80 %)', '3 (60 %)', '2 (40 %)']);
    // Bars are decoration: hidden from assistive technology, sized by the percentage.
    const bars = pol.querySelectorAll('.bar');
    expect(bars).toHaveLength(4);
    bars.forEach((b) => expect(b).toHaveAttribute('aria-hidden', 'true'));
    expect(pol.querySelector('.bar-submitted')).toHaveStyle({ width: '40%' });
    // An empty group says so instead of 0 %.
    const civ = within(table).getByRole('row', { name: /Zivilgesellschaft/ });
    expect(within(civ).getAllByRole('cell')[4]).toHaveTextContent('–');
    expect(civ.querySelector('.bar-submitted')).toHaveStyle({ width: '0%' });
    expect(within(table).getByRole('row', { name: /Gesamt/ })).toHaveTextContent('2 (40 %)');
  });

  it('speaks English', async () => {
    await i18n.changeLanguage('en');
    render(<ResponseRates rates={rates} />);
    expect(screen.getByRole('figure', { name: /Response in round 2/ })).toBeInTheDocument();
    expect(screen.getByRole('row', { name: /Politics and administration/ })).toHaveTextContent('2 (40%)');
  });
});
