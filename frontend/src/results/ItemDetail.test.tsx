import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { fixtureSurvey } from '../test/fixture';
import { round1, round2, transitions2 } from './fixture';
import { ItemDetail } from './ItemDetail';
import { makeLabels } from './labels';

function setup(itemId = 't1') {
  render(
    <ItemDetail
      itemId={itemId}
      rounds={[round1, round2]}
      transitions={{ 2: transitions2 }}
      groups={['pol', 'civ']}
      labels={makeLabels(fixtureSurvey.definition, 'de', fixtureSurvey.rule_text)}
      lang="de"
    />,
  );
  return userEvent.setup();
}

describe('ItemDetail', () => {
  it('gives every chart a text alternative with its numbers', async () => {
    setup();
    expect(screen.getByRole('heading', { level: 2 })).toHaveTextContent('Wohnen t1');
    // Small multiples of the distribution, one per round.
    expect(screen.getByRole('img', { name: 'Runde 1: Median 4, IQR 3–5, 18 Antworten' })).toBeInTheDocument();
    expect(screen.getByRole('img', { name: 'Runde 2: Median 4, IQR 4–5, 12 Antworten' })).toBeInTheDocument();
    // The movement of the paired experts.
    expect(
      screen.getByRole('img', { name: 'Runde 1 → 2: 12 gepaarte Antworten; 5 höher, 6 gleich, 1 niedriger' }),
    ).toBeInTheDocument();
    // The charts are SVG drawn by Observable Plot (loaded with the first chart), hidden
    // from assistive technology, without Plot's aria-label on its groups.
    const chart = screen.getByRole('img', { name: /^Runde 1: Median/ });
    await waitFor(() => expect(chart.querySelector('svg')).not.toBeNull());
    expect(chart.querySelector('svg')).toHaveAttribute('aria-hidden', 'true');
    expect(chart.querySelectorAll('svg [aria-label]')).toHaveLength(0);
  });

  it('shows stability and consensus per round', () => {
    setup();
    const stab = screen.getByRole('table', { name: /^Stabilität gegenüber der Vorrunde \(gepaarte/ });
    expect(within(stab).getByRole('columnheader', { name: 'Δ IQR (gepaart)' })).toBeInTheDocument();
    const cells = within(stab).getAllByRole('cell').map((c) => c.textContent);
    // share_changed 0.8125 → 81,3 % (half up), Scheibe 12,5 %, p 0,039, ΔIQR −1.
    // The last column: the plain difference of the two rounds' IQRs over all answers.
    expect(within(stab).getByRole('columnheader', { name: 'Δ IQR (Runden, alle Antworten)' })).toBeInTheDocument();
    expect(cells).toEqual(['12', '81,3 %', '12,5 %', 'ja', '0,039', '-1', '-0,05', '-0,5']);
    const cons = screen.getByRole('table', { name: 'Konsens je Runde (gesamt)' });
    expect(within(cons).getAllByRole('row')[2]).toHaveTextContent('Runde 2✓ Konsens');
    // The rule in words, from the server, not the evaluation code.
    expect(screen.getAllByText(/Konsens, wenn mindestens 75 % Zustimmung/).length).toBeGreaterThan(0);
    expect(document.body.textContent).not.toMatch(/all\(|agreement=/);
  });

  it('switches charts and consensus to one group', async () => {
    const user = setup();
    await user.selectOptions(screen.getByLabelText('Ansicht'), 'civ');
    expect(screen.getByRole('img', { name: 'Runde 1: Median 3,5, IQR 2,75–4, 8 Antworten' })).toBeInTheDocument();
    expect(
      screen.getByRole('img', { name: 'Runde 1 → 2: 5 gepaarte Antworten; 3 höher, 1 gleich, 1 niedriger' }),
    ).toBeInTheDocument();
    const cons = screen.getByRole('table', { name: 'Konsens je Runde in der Gruppe „Zivilgesellschaft“' });
    expect(within(cons).getAllByRole('row')[2]).toHaveTextContent('Kein Konsens');
  });

  it('lists every comment with round and group, never who wrote it', () => {
    setup();
    const comments = screen.getByRole('region', { name: 'Kommentare und Begründungen' });
    expect(within(comments).getByRole('heading', { level: 3 })).toHaveTextContent('3 Kommentare und Begründungen');
    const items = within(comments).getAllByRole('listitem');
    expect(items.map((li) => li.textContent)).toEqual([
      'Kommentar · Politik und VerwaltungWohnen ist das wichtigste Thema.',
      'Kommentar · ZivilgesellschaftZu teuer für kleine Städte.',
      'Begründung · ZivilgesellschaftJetzt überzeugt.',
    ]);
    expect(within(comments).getAllByRole('heading', { level: 4 }).map((h) => h.textContent)).toEqual(['Runde 1', 'Runde 2']);
  });

  it('shows a multi_rating per criterion, and a note for an unknown item', () => {
    setup('t2');
    expect(screen.getByRole('heading', { name: 'Wichtigkeit' })).toBeInTheDocument();
    expect(screen.getByRole('heading', { name: 'Machbarkeit' })).toBeInTheDocument();
    expect(screen.getByRole('img', { name: 'Runde 1: Median 3, IQR 2–3, 18 Antworten' })).toBeInTheDocument();
  });
});
