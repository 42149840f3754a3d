import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { fixtureSurvey } from '../test/fixture';
import { ConsensusBoard } from './ConsensusBoard';
import { board } from './fixture';
import { makeLabels } from './labels';

function setup(lang = 'de') {
  const onOpen = vi.fn();
  render(<ConsensusBoard board={board} labels={makeLabels(fixtureSurvey.definition, lang)} lang={lang} onOpenItem={onOpen} />);
  return { onOpen, user: userEvent.setup() };
}

const row = (id: string) => document.querySelector(`tr[data-row="${id}"]`) as HTMLElement;
const cells = (id: string) => [...row(id).querySelectorAll('td')];

describe('ConsensusBoard', () => {
  it('colours each cell by its outcome and says it in words too', () => {
    setup();
    const table = screen.getByRole('table', { name: 'Konsens je Item und Runde (gesamt)' });
    expect(within(table).getByRole('columnheader', { name: /Runde 2.*live/ })).toBeInTheDocument();

    const [r1, r2] = cells('t1');
    expect(r1).toHaveClass('outcome-none');
    expect(r1).toHaveTextContent('○ Kein Konsens');
    expect(r2).toHaveClass('outcome-consensus_in');
    expect(r2).toHaveTextContent('✓ Konsens');
    // Key numbers, half-up with a decimal comma: 91.666… % → 91,7 %.
    expect(r2).toHaveTextContent('Median 4 · IQR 1 · 91,7 % · n = 12');

    const [imp1, imp2] = cells('t2/imp');
    expect(imp1).toHaveClass('outcome-consensus_out');
    expect(imp1).toHaveTextContent('✗ Ablehnender Konsens');
    expect(imp2).toHaveClass('outcome-absent');
    expect(imp2).toHaveTextContent('nicht gestellt');
    // Non-rating rows carry n only, and no outcome colour.
    expect(cells('f3')[0]).toHaveClass('outcome-na');
    expect(cells('f3')[0]).toHaveTextContent('18 Antworten');

    // Rows are grouped by block, with the block as a row group header.
    expect(screen.getAllByRole('rowheader').map((h) => h.textContent)).toEqual(
      expect.arrayContaining(['Themen', 'Formate']),
    );
    expect(row('t2/feas')).toHaveTextContent('Mobilität – Machbarkeit');
    expect(screen.getByText('Runde 1: 0 × Konsens, 1 × ablehnender Konsens, 2 × kein Konsens')).toBeInTheDocument();
  });

  it('filters by block and by outcome', async () => {
    const { user } = setup();
    expect(screen.getByText('4 von 4 Zeilen')).toBeInTheDocument();

    await user.selectOptions(screen.getByLabelText('Block'), 'formate');
    expect(screen.getByText(/^1 von 4 Zeilen/)).toBeInTheDocument();
    expect(row('f3')).toBeInTheDocument();
    expect(row('t1')).toBeNull();

    await user.selectOptions(screen.getByLabelText('Block'), '');
    // The outcome of the latest round that asked the row: t1 is in consensus in round 2.
    await user.selectOptions(screen.getByLabelText('Ergebnis'), 'consensus_in');
    expect(screen.getByText(/^1 von 4 Zeilen/)).toBeInTheDocument();
    expect(row('t1')).toBeInTheDocument();
    expect(row('t2/imp')).toBeNull();

    await user.selectOptions(screen.getByLabelText('Ergebnis'), 'consensus_out');
    expect(row('t2/imp')).toBeInTheDocument();
    expect(row('t1')).toBeNull();
  });

  it('switches the cells to one group’s outcome', async () => {
    const { user } = setup();
    await user.selectOptions(screen.getByLabelText('Expertengruppe'), 'civ');
    expect(screen.getByRole('table', { name: 'Konsens je Item und Runde in der Gruppe „Zivilgesellschaft“' })).toBeInTheDocument();
    const [r1, r2] = cells('t1');
    expect(r2).toHaveClass('outcome-none'); // overall consensus, but not in civ
    expect(r2).toHaveTextContent('Kein Konsens');
    expect(r2).toHaveTextContent('Median 4 · n = 5');
    expect(r1).toHaveTextContent('Median 3,5 · n = 8');

    // The outcome filter follows the group: no civ row is in consensus.
    await user.selectOptions(screen.getByLabelText('Ergebnis'), 'consensus_in');
    expect(screen.getByText('Keine Items passen zu diesen Filtern.')).toBeInTheDocument();
    await user.selectOptions(screen.getByLabelText('Expertengruppe'), 'pol');
    expect(row('t1')).toBeInTheDocument();
    expect(cells('t1')[0]).toHaveClass('outcome-consensus_in');
  });

  it('opens an item', async () => {
    const { user, onOpen } = setup();
    await user.click(within(row('t2/feas')).getByRole('button'));
    expect(onOpen).toHaveBeenCalledWith('t2');
  });

  it('speaks English with a decimal point', () => {
    setup('en');
    // i18n stays German in this test; the numbers follow the lang prop.
    expect(cells('t1')[1]).toHaveTextContent('91.7');
  });
});
