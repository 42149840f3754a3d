import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import i18n from '../i18n';
import { fixtureSurvey } from '../test/fixture';
import type { Item } from '../api/types';
import { FeedbackPanel, roundHalfUp1 } from './FeedbackPanel';
import { ItemCard } from './ItemCard';
import type { ItemFeedback, ItemView } from '../api/types';

const def = fixtureSurvey.definition;
const housing = def.sections![0]!.items![0]! as Item;
const formats = def.sections![1]!.items!;
const multi = formats.find((i) => i.id === 'f2')! as Item;
const ranking = formats.find((i) => i.id === 'f3')! as Item;

/** The rows of one group's block (its tbody) in a split by group of options. */
function groupBlock(table: HTMLElement, group: RegExp): HTMLElement {
  const block = within(table)
    .getAllByRole('rowgroup')
    .find((g) => group.test(g.textContent ?? ''));
  if (!block) throw new Error(`no block for ${group}`);
  return block;
}

const choiceFeedback: ItemFeedback = {
  item_id: 'f2',
  type: 'multiple_choice',
  n: 13,
  choice: {
    n: 13,
    options: [
      { id: 'conf', count: 9, share: 9 / 13 },
      { id: 'tour', count: 4, share: 4 / 13 },
      { id: 'peer', count: 7, share: 7 / 13 },
    ],
    // Not in the study's order: the table follows the study (pol, then civ).
    by_group: {
      civ: {
        n: 5,
        options: [
          { id: 'conf', count: 3, share: 0.6 },
          { id: 'tour', count: 0, share: 0 },
          { id: 'peer', count: 4, share: 0.8 },
        ],
      },
      pol: {
        n: 8,
        options: [
          { id: 'conf', count: 6, share: 0.75 },
          { id: 'tour', count: 4, share: 0.5 },
          { id: 'peer', count: 3, share: 0.375 },
        ],
      },
    },
  },
};

const rankingFeedback: ItemFeedback = {
  item_id: 'f3',
  type: 'ranking',
  n: 8,
  ranking: {
    m: 8,
    top_k: 3,
    options: [
      { id: 'a', mean_rank: 2, rank_sum: 2 * 8, first_share: 0.25 },
      { id: 'b', mean_rank: 1.75, rank_sum: 1.75 * 8, first_share: 0.5 },
      { id: 'c', mean_rank: 2.5, rank_sum: 2.5 * 8, first_share: 0.25 },
      { id: 'd', mean_rank: null, rank_sum: 0, first_share: 0 },
    ],
    by_group: {
      pol: {
        m: 6,
        top_k: 3,
        options: [
          { id: 'a', mean_rank: 2.25, rank_sum: 2.25 * 6, first_share: 1 / 6 },
          { id: 'b', mean_rank: 1.5, rank_sum: 1.5 * 6, first_share: 0.5 },
          { id: 'c', mean_rank: 2.75, rank_sum: 2.75 * 6, first_share: 1 / 3 },
          { id: 'd', mean_rank: null, rank_sum: 0, first_share: 0 },
        ],
      },
      civ: { suppressed: true },
    },
  },
};

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
      { value: 1, count: 1, percent: (1 / 18) * 100 },
      { value: 2, count: 1, percent: (1 / 18) * 100 },
      { value: 3, count: 3, percent: (3 / 18) * 100 },
      { value: 4, count: 7, percent: (7 / 18) * 100 },
      { value: 5, count: 6, percent: (6 / 18) * 100 },
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
  it('shows n, median and IQR in words, as the chart text alternative, and agreement and consensus', async () => {
    render(<FeedbackPanel item={housing} feedback={ratingFeedback} scales={def.scales} groups={def.groups ?? []} lang="de" round={1} own={2} minGroupN={3} />);
    const panel = screen.getByRole('region', { name: 'Ergebnis der Runde 1' });
    expect(within(panel).getByText('Median 4, IQR 3–5, 18 Antworten')).toBeInTheDocument();
    const chart = within(panel).getByRole('img', { name: 'Median 4, IQR 3–5, 18 Antworten' });
    // Plot is loaded with the first chart; its SVG is hidden behind the image's text alternative.
    await waitFor(() => expect(chart.querySelector('svg')).not.toBeNull());
    expect(chart.querySelector('svg')).toHaveAttribute('aria-hidden', 'true');
    expect(chart.querySelectorAll('rect').length).toBeGreaterThanOrEqual(6); // the IQR band and five bars
    expect(chart.querySelectorAll('[aria-label]')).toHaveLength(0); // Plot's labels on <g> removed
    expect(within(panel).getByText('Zustimmung: 72,5 %')).toBeInTheDocument();
    expect(within(panel).getByText('Konsens: nicht erreicht')).toBeInTheDocument();
    expect(within(panel).getByText('2 Enthaltungen')).toBeInTheDocument();
  });

  it('explains the chart in a legend: the bars, the own answer, the median and the IQR band', async () => {
    const { unmount } = render(
      <FeedbackPanel item={housing} feedback={ratingFeedback} scales={def.scales} groups={[]} lang="de" round={1} own={2} minGroupN={3} />,
    );
    const legend = within(screen.getByRole('figure')).getByRole('list');
    expect(within(legend).getAllByRole('listitem').map((li) => li.textContent?.trim())).toEqual([
      'Antworten je Stufe',
      'Ihre Antwort in Runde 1',
      'Median (gestrichelt)',
      'Mittlere Hälfte der Antworten (IQR)',
    ]);
    unmount();

    // No own answer (e.g. a new expert) and no IQR shown: no legend entries for them.
    const fb: ItemFeedback = { ...ratingFeedback, rating: { ...ratingFeedback.rating!, q1: undefined, q3: undefined } };
    await i18n.changeLanguage('en');
    render(<FeedbackPanel item={housing} feedback={fb} scales={def.scales} groups={[]} lang="en" round={1} minGroupN={3} />);
    expect(within(screen.getByRole('figure')).getAllByRole('listitem').map((li) => li.textContent?.trim())).toEqual(['Answers per point', 'Median (dashed)']);
  });

  it('shows how many experts submitted and how many left a draft', async () => {
    await i18n.changeLanguage('de');
    const fb: ItemFeedback = { ...ratingFeedback, submitted: 12, drafts: 2, count: 'submitted' };
    const { unmount } = render(<FeedbackPanel item={housing} feedback={fb} scales={def.scales} groups={[]} lang="de" round={1} minGroupN={3} />);
    expect(screen.getByText('12 abgeschickt, 2 Entwürfe')).toBeInTheDocument();
    unmount();
    await i18n.changeLanguage('en');
    const one = render(<FeedbackPanel item={housing} feedback={{ ...fb, drafts: 1 }} scales={def.scales} groups={[]} lang="en" round={1} minGroupN={3} />);
    expect(screen.getByText('12 submitted, 1 draft')).toBeInTheDocument();
    one.unmount();
    // A snapshot from before both were counted: no line.
    render(<FeedbackPanel item={housing} feedback={ratingFeedback} scales={def.scales} groups={[]} lang="en" round={1} minGroupN={3} />);
    expect(screen.queryByText(/submitted,/)).toBeNull();
    await i18n.changeLanguage('de');
  });

  it('collapses many anonymised comments', async () => {
    render(<FeedbackPanel item={housing} feedback={ratingFeedback} scales={def.scales} groups={[]} lang="de" round={1} minGroupN={3} />);
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
    render(<FeedbackPanel item={housing} feedback={fb} scales={def.scales} groups={def.groups ?? []} lang="de" round={2} minGroupN={3} />);
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
    expect(civ).toHaveTextContent(/^Zivilgesellschaftausgeblendet\*$/);
    expect(within(civ).getAllByRole('cell')).toHaveLength(1); // no n, median or IQR cells
    // The anonymity note once, below the table, and the hidden row refers to it.
    expect(within(civ).getByRole('cell')).toHaveAccessibleDescription(/^Zum Schutz der Anonymität nicht gezeigt: Gruppen unter 3 Antworten/);
    expect(screen.getAllByText(/Zum Schutz der Anonymität/)).toHaveLength(1);
    expect(within(table).getByRole('row', { name: /Politik und Verwaltung/ })).toHaveTextContent('Politik und Verwaltung1643–5');
    // The heads of the number columns are aligned like their numbers.
    for (const h of within(table).getAllByRole('columnheader').slice(1)) expect(h).toHaveClass('num');
    unmount();

    await i18n.changeLanguage('en');
    render(<FeedbackPanel item={housing} feedback={fb} scales={def.scales} groups={def.groups ?? []} lang="en" round={1} minGroupN={5} />);
    table = screen.getByRole('table', { name: 'By expert group' });
    civ = within(table).getByRole('row', { name: /Zivilgesellschaft/ });
    expect(civ).toHaveTextContent(/^Zivilgesellschafthidden\*$/);
    expect(screen.getByText(/^Not shown to protect anonymity: groups with fewer than 5 answers are hidden/)).toBeInTheDocument();
  });

  it('shows choice counts and shares by group, in the study order, in German and English', async () => {
    const { unmount } = render(<FeedbackPanel item={multi} feedback={choiceFeedback} scales={def.scales} groups={def.groups ?? []} lang="de" round={1} minGroupN={3} />);
    let table = screen.getByRole('table', { name: 'Nach Expertengruppen' });
    let blocks = within(table).getAllByRole('rowgroup');
    expect(blocks.map((b) => within(b).getAllByRole('row')[0]!.textContent)).toEqual([
      'OptionAntworten',
      'Politik und Verwaltung: 8 Antworten',
      'Zivilgesellschaft: 5 Antworten',
    ]);
    let pol = within(blocks[1]!).getAllByRole('row');
    expect(pol[1]).toHaveTextContent('Bundestagung6 (75 %)');
    expect(pol[2]).toHaveTextContent('Exkursion4 (50 %)');
    expect(pol[3]).toHaveTextContent('Peer-Besuch3 (37,5 %)');
    const civ = within(blocks[2]!).getAllByRole('row');
    expect(civ[1]).toHaveTextContent('Bundestagung3 (60 %)');
    expect(civ[2]).toHaveTextContent('Exkursion0 (0 %)');
    expect(civ[3]).toHaveTextContent('Peer-Besuch4 (80 %)');
    expect(within(table).queryByText(/Schutz der Anonymität/)).not.toBeInTheDocument();
    unmount();

    await i18n.changeLanguage('en');
    render(<FeedbackPanel item={multi} feedback={choiceFeedback} scales={def.scales} groups={def.groups ?? []} lang="en" round={1} minGroupN={3} />);
    table = screen.getByRole('table', { name: 'By expert group' });
    blocks = within(table).getAllByRole('rowgroup');
    expect(blocks[0]).toHaveTextContent('OptionAnswers');
    pol = within(blocks[1]!).getAllByRole('row');
    expect(pol[0]).toHaveTextContent('Politics and administration: 8 answers');
    expect(pol[1]).toHaveTextContent('National conference6 (75 %)');
    expect(pol[3]).toHaveTextContent('Peer visit3 (37.5 %)');
    expect(groupBlock(table, /Zivilgesellschaft: 5 answers/)).toHaveTextContent('Site tour0 (0 %)'); // no English label: the German one
  });

  it('shows a choice group below min_group_n without numbers, in German and English', async () => {
    const fb: ItemFeedback = { ...choiceFeedback, choice: { ...choiceFeedback.choice!, by_group: { ...choiceFeedback.choice!.by_group, civ: { suppressed: true } } } };
    const { unmount } = render(<FeedbackPanel item={multi} feedback={fb} scales={def.scales} groups={def.groups ?? []} lang="de" round={1} minGroupN={3} />);
    let table = screen.getByRole('table', { name: 'Nach Expertengruppen' });
    let civ = groupBlock(table, /Zivilgesellschaft/);
    let rows = within(civ).getAllByRole('row');
    expect(rows.map((r) => r.textContent)).toEqual(['Zivilgesellschaft', 'ausgeblendet*']);
    expect(screen.getAllByText(/Zum Schutz der Anonymität nicht gezeigt: Gruppen unter 3 Antworten/)).toHaveLength(1);
    expect(civ.textContent).not.toMatch(/Bundestagung|%|Antworten:/);
    expect(groupBlock(table, /Politik und Verwaltung/)).toHaveTextContent('Politik und Verwaltung: 8 AntwortenBundestagung6 (75 %)');
    unmount();

    await i18n.changeLanguage('en');
    render(<FeedbackPanel item={multi} feedback={fb} scales={def.scales} groups={def.groups ?? []} lang="en" round={1} minGroupN={5} />);
    table = screen.getByRole('table', { name: 'By expert group' });
    civ = groupBlock(table, /Zivilgesellschaft/);
    rows = within(civ).getAllByRole('row');
    expect(rows).toHaveLength(2);
    expect(within(rows[1]!).getByRole('cell')).toHaveAccessibleDescription(/^Not shown to protect anonymity: groups with fewer than 5 answers are hidden/);
  });

  it('shows mean ranks and first-place shares by group, and a suppressed group without numbers, in German and English', async () => {
    const { unmount } = render(<FeedbackPanel item={ranking} feedback={rankingFeedback} scales={def.scales} groups={def.groups ?? []} lang="de" round={1} minGroupN={3} />);
    let table = screen.getByRole('table', { name: 'Nach Expertengruppen' });
    let blocks = within(table).getAllByRole('rowgroup');
    expect(blocks).toHaveLength(3);
    expect(blocks[0]).toHaveTextContent('OptionMittlerer RangAuf Platz 1');
    let pol = within(blocks[1]!).getAllByRole('row');
    expect(pol.map((r) => r.textContent)).toEqual([
      'Politik und Verwaltung: 6 Rangfolgen',
      'Forum1,550 %', // by the group's mean rank
      'Lernmodul2,316,7 %', // 2.25 half up
      'Plattform2,833,3 %',
      'Werkstatt–0 %', // undefined mean rank last
    ]);
    let civ = within(blocks[2]!).getAllByRole('row');
    expect(civ).toHaveLength(2);
    expect(civ[0]).toHaveTextContent(/^Zivilgesellschaft$/);
    expect(civ[1]).toHaveTextContent(/^ausgeblendet\*$/);
    expect(blocks[2]!.textContent).not.toMatch(/\d %|Rangfolge|Forum/);
    unmount();

    await i18n.changeLanguage('en');
    render(<FeedbackPanel item={ranking} feedback={rankingFeedback} scales={def.scales} groups={def.groups ?? []} lang="en" round={1} minGroupN={4} />);
    table = screen.getByRole('table', { name: 'By expert group' });
    blocks = within(table).getAllByRole('rowgroup');
    expect(blocks[0]).toHaveTextContent('OptionMean rankRanked first');
    pol = within(blocks[1]!).getAllByRole('row');
    expect(pol[0]).toHaveTextContent('Politics and administration: 6 rankings');
    expect(pol[1]).toHaveTextContent('Forum1.550 %');
    expect(pol[2]).toHaveTextContent('Learning module2.316.7 %');
    civ = within(blocks[2]!).getAllByRole('row');
    expect(civ[1]).toHaveTextContent(/^hidden\*$/);
    expect(screen.getByText(/^Not shown to protect anonymity: groups with fewer than 4 answers/)).toBeInTheDocument();
  });

  it('shows only n by group for choice and ranking items without option numbers', () => {
    const fb: ItemFeedback = {
      item_id: 'f3',
      type: 'ranking',
      n: 8,
      ranking: { m: 8, top_k: 3, by_group: { civ: { suppressed: true }, pol: { m: 6, top_k: 3 } } },
    };
    render(<FeedbackPanel item={ranking} feedback={fb} scales={def.scales} groups={def.groups ?? []} lang="de" round={1} minGroupN={3} />);
    const table = screen.getByRole('table', { name: 'Nach Expertengruppen' });
    const rows = within(table).getAllByRole('row');
    expect(rows.map((r) => r.textContent)).toEqual(['Gruppen', 'Politik und Verwaltung6', 'Zivilgesellschaftausgeblendet*']);
    expect(screen.getAllByText(/Zum Schutz der Anonymität/)).toHaveLength(1);
  });

  it('shows nothing by group for choice and ranking items without by_group', () => {
    const choice: ItemFeedback = { ...choiceFeedback, choice: { n: 13, options: choiceFeedback.choice!.options! } };
    const rank: ItemFeedback = { ...rankingFeedback, ranking: { m: 8, top_k: 3, options: rankingFeedback.ranking!.options! } };
    render(
      <>
        <FeedbackPanel item={multi} feedback={choice} scales={def.scales} groups={def.groups ?? []} lang="de" round={1} minGroupN={3} />
        <FeedbackPanel item={ranking} feedback={rank} scales={def.scales} groups={def.groups ?? []} lang="de" round={1} minGroupN={3} />
      </>,
    );
    expect(screen.getByText('Bundestagung: 9 (69,2 %)')).toBeInTheDocument();
    expect(screen.getByText('Forum: mittlerer Rang 1,8, auf Platz 1 bei 50 %')).toBeInTheDocument();
    expect(screen.queryByRole('table')).not.toBeInTheDocument();
    expect(screen.queryByText(/Expertengruppen|Politik und Verwaltung|Zivilgesellschaft|Schutz der Anonymität/)).not.toBeInTheDocument();
  });

  it('rounds half up', () => {
    expect(roundHalfUp1(81.25)).toBe(81.3);
    expect(roundHalfUp1(2.25)).toBe(2.3);
    expect(roundHalfUp1(72.5)).toBe(72.5);
  });
});

describe('ItemCard with feedback', () => {
  const view: ItemView = { item: housing, origin: 'carried', previous: { value: 2, comment: '', justification: '', seq: 1, revisions: 0, needs_justification: false }, feedback: ratingFeedback };

  it('takes a click on the previous answer itself as the answer', async () => {
    const changes: unknown[] = [];
    render(<ItemCard view={view} draft={undefined} onChange={(d) => changes.push(d)} scales={def.scales} groups={[]} lang="de" round={2} justify minGroupN={3} />);
    await userEvent.click(screen.getByRole('radio', { name: /2 eher unwichtig/ }));
    expect(changes).toEqual([{ value: 2, comment: '', justification: '' }]);
  });

  it('shows the panel’s feedback before the answer options, and names its region after the question', () => {
    render(<ItemCard view={view} draft={undefined} onChange={() => {}} scales={def.scales} groups={[]} lang="de" round={2} justify minGroupN={3} />);
    const card = screen.getByRole('article', { name: 'Wohnen' });
    expect(within(card).getByRole('heading', { level: 2, name: 'Wohnen' })).toBeInTheDocument();
    const region = within(card).getByRole('region', { name: 'Ergebnis der Runde 1 Wohnen' });
    const options = within(card).getByRole('group', { name: 'Wohnen' });
    expect(region.compareDocumentPosition(options) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    expect(within(region).getByRole('heading', { level: 3 })).toHaveTextContent('Ergebnis der Runde 1');
  });

  it('marks the own previous answer without giving it, saves it on "keep", and asks for a justification outside the IQR', async () => {
    const changes: unknown[] = [];
    const view: ItemView = { item: housing, origin: 'carried', previous: { value: 2, comment: '', justification: '', seq: 1, revisions: 0, needs_justification: false }, feedback: ratingFeedback };
    const { rerender } = render(
      <ItemCard view={view} draft={undefined} onChange={(d) => changes.push(d)} scales={def.scales} groups={[]} lang="de" round={2} justify minGroupN={3} />,
    );
    expect(screen.getByText('Ihre Antwort in Runde 1: 2 – eher unwichtig')).toBeInTheDocument();
    // Marked (its own look and words), but no radio is checked: nothing is answered for the expert.
    const prev = screen.getByRole('radio', { name: /2 eher unwichtig \(Ihre Antwort in der Vorrunde\)/ });
    expect(prev).not.toBeChecked();
    expect(prev.closest('li')).toHaveClass('previous');
    for (const r of screen.getAllByRole('radio')) expect(r).not.toBeChecked();
    expect(screen.getByText(/ist markiert, aber noch nicht gegeben/)).toBeInTheDocument();
    expect(changes).toEqual([]);
    await userEvent.click(screen.getByRole('button', { name: 'Meine Antwort beibehalten' }));
    expect(changes).toEqual([{ value: 2, comment: '', justification: '' }]);

    rerender(
      <ItemCard
        view={view}
        draft={{ value: 2, comment: '', justification: '' }}
        onChange={(d) => changes.push(d)}
        scales={def.scales}
        groups={[]}
        lang="de"
        round={2}
        justify
        needsJustification
        minGroupN={3}
      />,
    );
    expect(screen.queryByRole('button', { name: 'Meine Antwort beibehalten' })).not.toBeInTheDocument();
    const just = screen.getByRole('textbox', { name: 'Kurze Begründung' });
    expect(just).toHaveAttribute('aria-required', 'true');
    expect(screen.getByText(/außerhalb des mittleren Bereichs/)).toBeInTheDocument();
  });

  it('marks a question shown in another language than the page’s with its lang, so that it hyphenates by its rules', async () => {
    await i18n.changeLanguage('en');
    const german: Item = { ...housing, text: { de: 'Wohnraumversorgung' }, help: { en: 'Homes', de: 'Wohnungen' } };
    render(<ItemCard view={{ item: german, origin: 'initial' }} draft={undefined} onChange={() => {}} scales={def.scales} groups={[]} lang="en" round={1} justify={false} minGroupN={3} />);
    expect(screen.getByRole('heading', { level: 2, name: 'Wohnraumversorgung' })).toHaveAttribute('lang', 'de');
    expect(screen.getByText('Homes')).not.toHaveAttribute('lang');
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
        minGroupN={3}
      />,
    );
    expect(screen.getByText('Neu in dieser Runde')).toBeInTheDocument();
    expect(screen.getByText(/erscheinen, sobald Sie diese Frage beantwortet haben/)).toBeInTheDocument();
    expect(screen.queryByRole('region')).not.toBeInTheDocument();
  });
});
