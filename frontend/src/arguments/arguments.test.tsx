import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { fixtureSurvey } from '../test/fixture';
import { makeLabels } from '../results/labels';
import type { Group, Item } from '../api/types';
import { ApiError } from '../api';
import type { ArgumentsApi, PanelArgument, StaffArgument, StaffArgumentsApi } from './api';
import { ItemArguments } from './ItemArguments';
import { TopArguments } from './TopArguments';
import { StaffArguments } from './StaffArguments';

const def = fixtureSurvey.definition;
const housing = def.sections![0]!.items![0]! as Item; // t1, rating
const format = def.sections![1]!.items!.find((i) => i.id === 'f1')! as Item; // single choice web | ws
const groups = def.groups as Group[];

const arg = (p: Partial<PanelArgument>): PanelArgument => ({
  id: 'a1',
  item_id: 't1',
  stance: 'pro',
  text: 'Wohnraum fehlt',
  own: false,
  ratings: { n: 0, mean: 0 },
  ...p,
});

function fakeClient(over: Partial<ArgumentsApi> = {}): ArgumentsApi {
  return {
    panel: vi.fn(),
    post: vi.fn(async (b) => arg({ id: 'new', ...b, option_id: b.option_id ?? '', own: true })),
    edit: vi.fn(async (id, b) => arg({ id, ...b, own: true })),
    withdraw: vi.fn(async () => undefined),
    rate: vi.fn(async (id, value) => arg({ id, my_rating: value })),
    ...over,
  } as ArgumentsApi;
}

describe('ItemArguments', () => {
  it('lists the arguments without authors, rates another one and posts a new one', async () => {
    const client = fakeClient();
    const changed = vi.fn();
    render(
      <ItemArguments
        item={housing}
        args={[arg({ id: 'a1', group: 'pol', ratings: { n: 2, mean: 4.5 } }), arg({ id: 'a2', stance: 'con', text: 'Zu teuer', own: true })]}
        open
        maxPerItem={3}
        maxLength={300}
        groups={groups}
        lang="de"
        client={client}
        onChanged={changed}
      />,
    );
    expect(screen.getByText('2 Argumente zu dieser Frage')).toBeInTheDocument();
    const first = screen.getByText('Wohnraum fehlt').closest('li')!;
    expect(within(first).getByText('Pro')).toBeInTheDocument();
    expect(within(first).getByText('Politik und Verwaltung')).toBeInTheDocument();
    expect(within(first).getByText('Ø 4,5 aus 2 Bewertungen')).toBeInTheDocument();
    // One's own argument: edit and withdraw, no rating.
    const own = screen.getByText('Zu teuer').closest('li')!;
    expect(within(own).queryByRole('group', { name: /überzeugend/ })).toBeNull();
    expect(within(own).getByRole('button', { name: 'Zurückziehen' })).toBeInTheDocument();

    await userEvent.click(within(first).getByRole('button', { name: '4 von 5' }));
    expect(client.rate).toHaveBeenCalledWith('a1', 4);
    await waitFor(() => expect(changed).toHaveBeenCalledTimes(1));

    await userEvent.click(screen.getByLabelText('dagegen (Contra)'));
    await userEvent.type(screen.getByLabelText('Ihr Argument'), 'Baukosten steigen');
    await userEvent.click(screen.getByRole('button', { name: 'Argument veröffentlichen' }));
    expect(client.post).toHaveBeenCalledWith({ item_id: 't1', stance: 'con', option_id: '', text: 'Baukosten steigen' });
    await waitFor(() => expect(screen.getByLabelText('Ihr Argument')).toHaveValue(''));
  });

  it('offers the options of a choice item and shows a refusal in words', async () => {
    const client = fakeClient({
      post: vi.fn(async () => {
        throw new ApiError(409, 'conflict', 'limit', undefined, undefined, undefined, { max: 2 }, 'argument_limit');
      }),
    });
    render(<ItemArguments item={format} args={[]} open maxPerItem={2} maxLength={300} groups={groups} lang="de" client={client} onChanged={() => {}} />);
    expect(screen.getByText('Noch keine Argumente zu dieser Frage.')).toBeInTheDocument();
    await userEvent.selectOptions(screen.getByLabelText('Bezieht sich auf'), 'ws');
    await userEvent.type(screen.getByLabelText('Ihr Argument'), 'Mehr Austausch');
    await userEvent.click(screen.getByRole('button', { name: 'Argument veröffentlichen' }));
    expect(client.post).toHaveBeenCalledWith({ item_id: 'f1', stance: 'pro', option_id: 'ws', text: 'Mehr Austausch' });
    expect(await screen.findByRole('alert')).toHaveTextContent('Sie haben schon 2 Argumente zu dieser Frage');
  });

  it('has no form and no rating when the round is closed, and says when the limit is reached', () => {
    const { rerender } = render(
      <ItemArguments item={housing} args={[arg({})]} open={false} maxPerItem={1} maxLength={300} groups={groups} lang="de" client={fakeClient()} onChanged={() => {}} />,
    );
    expect(screen.queryByRole('button', { name: '1 von 5' })).toBeNull();
    expect(screen.queryByLabelText('Ihr Argument')).toBeNull();
    rerender(
      <ItemArguments item={housing} args={[arg({ own: true })]} open maxPerItem={1} maxLength={300} groups={groups} lang="de" client={fakeClient()} onChanged={() => {}} />,
    );
    expect(screen.getByText(/Sie haben 1 Argumente zu dieser Frage/)).toBeInTheDocument();
    expect(screen.queryByLabelText('Ihr Argument')).toBeNull();
  });
});

describe('TopArguments', () => {
  it('shows the top pro and con arguments of the previous round with their ratings', () => {
    render(
      <TopArguments
        top={{ pro: [arg({ text: 'Bester Pro', ratings: { n: 3, mean: 4.333 } })], con: [] }}
        item={housing}
        groups={groups}
        lang="de"
        round={1}
      />,
    );
    expect(screen.getByText('Überzeugendste Argumente aus Runde 1')).toBeInTheDocument();
    expect(screen.getByText('Bester Pro')).toBeInTheDocument();
    expect(screen.getByText('Ø 4,3 aus 3 Bewertungen')).toBeInTheDocument();
    expect(screen.getByText('keines')).toBeInTheDocument();
  });

  it('renders nothing without top arguments', () => {
    const { container } = render(<TopArguments top={{ pro: [], con: [] }} item={housing} groups={groups} lang="de" round={1} />);
    expect(container).toBeEmptyDOMElement();
  });
});

describe('StaffArguments', () => {
  const staffArg = (p: Partial<StaffArgument>): StaffArgument => ({
    id: 's1',
    round: 1,
    item_id: 't1',
    stance: 'pro',
    text: 'Wohnraum fehlt',
    pseudonym: 'E-AB12',
    group: 'pol',
    ratings: { n: 2, mean: 3.5, distribution: [0, 0, 1, 1, 0] },
    created_at: '2026-11-26T09:00:00Z',
    updated_at: '2026-11-26T09:00:00Z',
    ...p,
  });
  const labels = makeLabels(def, 'de');

  it('lists the item’s arguments with pseudonym, group and ratings, and hides one with a reason', async () => {
    let list = [staffArg({}), staffArg({ id: 's2', item_id: 't2', text: 'anderes Item' })];
    const client: StaffArgumentsApi = {
      list: vi.fn(async () => list),
      hide: vi.fn(async (_s, id, reason) => {
        list = list.map((a) => (a.id === id ? { ...a, hidden: { at: '2026-11-26T10:00:00Z', by: 'u1', reason } } : a));
        return list[0]!;
      }),
      unhide: vi.fn(),
    };
    render(<StaffArguments surveyId="demo-2026" itemId="t1" labels={labels} lang="de" canModerate client={client} />);
    expect(await screen.findByText('Argumente (1)')).toBeInTheDocument();
    const row = screen.getByText('Wohnraum fehlt').closest('tr')!;
    expect(within(row).getByText('E-AB12')).toBeInTheDocument();
    expect(within(row).getByText('Politik und Verwaltung')).toBeInTheDocument();
    expect(within(row).getByText('0 · 0 · 1 · 1 · 0')).toBeInTheDocument();
    expect(screen.queryByText('anderes Item')).toBeNull();
    await userEvent.click(within(row).getByRole('button', { name: 'Ausblenden' }));
    await userEvent.type(within(row).getByLabelText('Grund für das Ausblenden'), 'beleidigend');
    await userEvent.click(within(row).getByRole('button', { name: 'Ausblenden' }));
    expect(client.hide).toHaveBeenCalledWith('demo-2026', 's1', 'beleidigend');
    expect(await screen.findByText('ausgeblendet: beleidigend')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Wieder einblenden' })).toBeInTheDocument();
  });

  it('gives researchers no moderation', async () => {
    const client: StaffArgumentsApi = { list: vi.fn(async () => [staffArg({})]), hide: vi.fn(), unhide: vi.fn() };
    render(<StaffArguments surveyId="demo-2026" itemId="t1" labels={labels} lang="de" canModerate={false} client={client} />);
    expect(await screen.findByText('Wohnraum fehlt')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Ausblenden' })).toBeNull();
  });
});
