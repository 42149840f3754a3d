import { describe, expect, it } from 'vitest';
import type { Round } from '../api/types';
import { fixtureSurvey } from '../test/fixture';
import {
  datesBody,
  initialPrepare,
  initialRoundActions,
  newItemDraft,
  prepareBody,
  prepareReducer as reduce,
  roundActionsReducer,
  textsOf,
} from './roundsState';

const def = fixtureSurvey.definition;
const items = def.sections![0]!.items!;
const closed: Round = {
  survey_id: def.id,
  number: 1,
  status: 'closed',
  items: items.map((item) => ({ section_id: 'themen', item, origin: 'initial' as const })),
  opens_at: null,
  deadline: '2026-12-14T17:00:00Z',
  history: [],
  created_at: '2026-11-20T08:00:00Z',
  updated_at: '2026-12-14T17:00:01Z',
  time_zone: 'Europe/Berlin',
  origins: { initial: items.length },
};

describe('round dates', () => {
  it('sends only the dates filled in, in UTC', () => {
    expect(datesBody('', '', 'Europe/Berlin')).toEqual({});
    expect(datesBody('2026-12-01T09:00', '2026-12-14T18:00', 'Europe/Berlin')).toEqual({
      opens_at: '2026-12-01T08:00:00Z',
      deadline: '2026-12-14T17:00:00Z',
    });
  });

  it('starts the forms of a round from its dates in the study time zone', () => {
    let s = initialRoundActions({ round: closed, zone: 'Europe/Berlin' });
    expect(s).toEqual({ form: '', reason: '', opensAt: '', deadline: '2026-12-14T18:00' });
    s = roundActionsReducer(roundActionsReducer(s, { type: 'form', form: 'reopen' }), { type: 'set', field: 'reason', value: 'late' });
    expect(s).toMatchObject({ form: 'reopen', reason: 'late' });
  });
});

describe('prepareReducer', () => {
  it('creates round 1 from the dates only', () => {
    const s = reduce(initialPrepare({ def, latest: undefined }), { type: 'set', field: 'deadline', value: '2026-12-14T18:00' });
    expect(prepareBody(s, false, 'Europe/Berlin')).toEqual({ deadline: '2026-12-14T17:00:00Z' });
  });

  it('carries over the chosen items and adds new and reworded ones', () => {
    const langs = def.languages;
    let s = initialPrepare({ def, latest: closed });
    expect(s.chosen).toEqual(items.map((it) => it.id));
    s = reduce(s, { type: 'mode', mode: 'chosen' });
    s = reduce(s, { type: 'choose', itemId: items[0]!.id, on: false });
    s = reduce(s, { type: 'addItem', draft: newItemDraft(def, langs) });
    s = reduce(s, { type: 'item', index: 0, patch: { id: ' neu1 ', text: { de: 'Neu', en: 'New' } } });
    s = reduce(s, { type: 'addItem', draft: newItemDraft(def, langs) });
    s = reduce(s, { type: 'removeItem', index: 1 });
    s = reduce(s, { type: 'addChange', draft: { itemId: items[1]!.id, text: textsOf(items[1], langs), reason: '' } });
    s = reduce(s, { type: 'change', index: 0, patch: { reason: 'klarer' } });
    const body = prepareBody(s, true, 'Europe/Berlin');
    expect(body.carry_over).toEqual({ mode: 'chosen', items: items.slice(1).map((it) => it.id) });
    expect(body.new_items).toEqual([
      { section_id: def.sections![0]!.id, item: { id: 'neu1', type: 'rating', text: { de: 'Neu', en: 'New' }, scale: def.scales![0]!.id } },
    ]);
    expect(body.changed_items).toEqual([{ item_id: items[1]!.id, text: textsOf(items[1], langs), reason: 'klarer' }]);
  });

  it('leaves out the item list unless the mode is "chosen"', () => {
    const s = reduce(initialPrepare({ def, latest: closed }), { type: 'mode', mode: 'all' });
    expect(prepareBody(s, true, 'Europe/Berlin')).toEqual({ carry_over: { mode: 'all' } });
  });
});
