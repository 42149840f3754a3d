import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import i18n from '../i18n';
import { fixtureSurvey } from '../test/fixture';
import type { Item } from '../types';
import { FeedbackPanel, roundHalfUp1 } from './FeedbackPanel';
import { ItemCard } from './ItemCard';
import type { ItemFeedback } from './types';

const def = fixtureSurvey.definition;
const housing = def.sections![0]!.items![0]! as Item;

const ratingFeedback: ItemFeedback = {
  item_id: 't1',
  type: 'rating',
  n: 18,
  rating: {
    n: 18,
    median: 4,
    q1: 3,
    q3: 5,
    iqr: 2,
    agreement_percent: 72.5,
    consensus: 'none',
    abstentions: 2,
    distribution: [
      { value: 1, count: 1 },
      { value: 2, count: 1 },
      { value: 3, count: 3 },
      { value: 4, count: 7 },
      { value: 5, count: 6 },
    ],
  },
  comments: [
    { text: 'Wohnraum fehlt überall.', group: '', kind: 'comment' },
    { text: 'Zentral für Familien.', group: '', kind: 'comment' },
    { text: 'Kommunen haben wenig Einfluss.', group: '', kind: 'justification' },
    { text: 'Leerstand nutzen.', group: '', kind: 'comment' },
  ],
};

describe('FeedbackPanel', () => {
  it('shows n, median and IQR in words, as the chart text alternative, and agreement and consensus', () => {
    render(<FeedbackPanel item={housing} feedback={ratingFeedback} scales={def.scales} groups={def.groups ?? []} lang="de" round={1} own={2} />);
    const panel = screen.getByRole('region', { name: 'Ergebnis der Runde 1' });
    expect(within(panel).getByText('Median 4, IQR 3–5, 18 Antworten')).toBeInTheDocument();
    const chart = within(panel).getByRole('img', { name: 'Median 4, IQR 3–5, 18 Antworten' });
    expect(chart.tagName.toLowerCase()).toBe('svg');
    expect(chart.querySelectorAll('rect').length).toBeGreaterThanOrEqual(6); // the IQR band and five bars
    expect(within(panel).getByText('Zustimmung: 72,5 %')).toBeInTheDocument();
    expect(within(panel).getByText('Konsens: nicht erreicht')).toBeInTheDocument();
    expect(within(panel).getByText('2 Enthaltungen')).toBeInTheDocument();
  });

  it('collapses many anonymised comments', async () => {
    render(<FeedbackPanel item={housing} feedback={ratingFeedback} scales={def.scales} groups={[]} lang="de" round={1} />);
    const summary = screen.getByText('4 Kommentare aus der Vorrunde');
    const details = summary.closest('details')!;
    expect(details).not.toHaveAttribute('open');
    await userEvent.click(summary);
    expect(details).toHaveAttribute('open');
    expect(within(details).getByText('Leerstand nutzen.')).toBeInTheDocument();
    expect(within(details).getByText(/Begründung/)).toBeInTheDocument();
  });

  it('shows the split by group and choice counts', () => {
    const fb: ItemFeedback = {
      ...ratingFeedback,
      rating: { ...ratingFeedback.rating!, by_group: { pol: { n: 10, median: 4.5, q1: 4, q3: 5 }, civ: { n: 8, median: 3, q1: 2.25, q3: 4 } } },
      comments: [],
    };
    render(<FeedbackPanel item={housing} feedback={fb} scales={def.scales} groups={def.groups ?? []} lang="de" round={2} />);
    const table = screen.getByRole('table', { name: 'Nach Expertengruppen' });
    const rows = within(table).getAllByRole('row');
    expect(rows[1]).toHaveTextContent('Politik und Verwaltung104,54–5');
    expect(rows[2]).toHaveTextContent('Zivilgesellschaft832,3–4'); // 2.25 shown half up as 2,3
  });

  it('shows a group below min_group_n without numbers, in German and English', async () => {
    const fb: ItemFeedback = {
      ...ratingFeedback,
      rating: { ...ratingFeedback.rating!, by_group: { pol: { n: 16, median: 4, q1: 3, q3: 5 }, civ: { suppressed: true } } },
      comments: [],
    };
    const { unmount } = render(<FeedbackPanel item={housing} feedback={fb} scales={def.scales} groups={def.groups ?? []} lang="de" round={1} minGroupN={3} />);
    let table = screen.getByRole('table', { name: 'Nach Expertengruppen' });
    let civ = within(table).getByRole('row', { name: /Zivilgesellschaft/ });
    expect(civ).toHaveTextContent('Zivilgesellschaftzum Schutz der Anonymität nicht gezeigt (Gruppen unter 3 Antworten');
    expect(within(civ).getAllByRole('cell')).toHaveLength(1); // no n, median or IQR cells
    expect(within(table).getByRole('row', { name: /Politik und Verwaltung/ })).toHaveTextContent('Politik und Verwaltung1643–5');
    unmount();

    await i18n.changeLanguage('en');
    render(<FeedbackPanel item={housing} feedback={fb} scales={def.scales} groups={def.groups ?? []} lang="en" round={1} minGroupN={5} />);
    table = screen.getByRole('table', { name: 'By expert group' });
    civ = within(table).getByRole('row', { name: /Zivilgesellschaft/ });
    expect(civ).toHaveTextContent('not shown to protect anonymity (groups with fewer than 5 answers are hidden');
  });

  it('rounds half up', () => {
    expect(roundHalfUp1(81.25)).toBe(81.3);
    expect(roundHalfUp1(2.25)).toBe(2.3);
    expect(roundHalfUp1(72.5)).toBe(72.5);
  });
});

describe('ItemCard with feedback', () => {
  it('shows the own previous answer pre-selected, saves it only on "keep", and asks for a justification outside the IQR', async () => {
    const changes: unknown[] = [];
    const view = { item: housing, origin: 'carried', previous: { value: 2, comment: '', justification: '', seq: 1, revisions: 0, needs_justification: false }, feedback: ratingFeedback };
    const { rerender } = render(
      <ItemCard view={view} draft={undefined} onChange={(d) => changes.push(d)} scales={def.scales} groups={[]} lang="de" round={2} justify />,
    );
    expect(screen.getByText('Ihre Antwort in Runde 1: 2 – eher unwichtig')).toBeInTheDocument();
    expect(screen.getByRole('radio', { name: /2 eher unwichtig/ })).toBeChecked();
    expect(screen.getByText(/vorausgewählt, aber noch nicht bestätigt/)).toBeInTheDocument();
    expect(changes).toEqual([]);
    await userEvent.click(screen.getByRole('button', { name: 'Meine Antwort beibehalten' }));
    expect(changes).toEqual([{ value: 2, comment: '', justification: '' }]);

    rerender(
      <ItemCard view={view} draft={{ value: 2, comment: '', justification: '' }} onChange={(d) => changes.push(d)} scales={def.scales} groups={[]} lang="de" round={2} justify />,
    );
    expect(screen.queryByRole('button', { name: 'Meine Antwort beibehalten' })).not.toBeInTheDocument();
    const just = screen.getByRole('textbox', { name: 'Kurze Begründung' });
    expect(just).toHaveAttribute('aria-required', 'true');
    expect(screen.getByText(/außerhalb des mittleren Bereichs/)).toBeInTheDocument();
  });

  it('marks new items and hides feedback until answered', () => {
    render(
      <ItemCard
        view={{ item: housing, origin: 'new', feedback_hidden: true }}
        draft={undefined}
        onChange={() => {}}
        scales={def.scales}
        groups={[]}
        lang="de"
        round={2}
        justify={false}
      />,
    );
    expect(screen.getByText('Neu in dieser Runde')).toBeInTheDocument();
    expect(screen.getByText(/erscheinen, sobald Sie diese Frage beantwortet haben/)).toBeInTheDocument();
    expect(screen.queryByRole('region')).not.toBeInTheDocument();
  });
});
