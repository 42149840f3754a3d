import { describe, expect, it } from 'vitest';
import { ApiError } from '../api';
import type { ItemFeedback, Participation, SaveResult, StoredAnswer } from '../api/types';
import { fixtureSurvey } from '../test/fixture';
import { initialQuestionnaire, isAnswered, needingJustification, questionnaireReducer as reduce, type QuestionnaireState } from './participationState';

const def = fixtureSurvey.definition;
const sections = (def.sections ?? []).map((s) => ({ id: s.id, title: s.title, items: (s.items ?? []).map((item) => ({ item, origin: 'carried' as const })) }));
const t1 = sections[0]!.items[0]!.item.id;
const t2 = sections[0]!.items[1]!.item.id;

const stored = (value: StoredAnswer['value'], needs = false, justification = ''): StoredAnswer => ({
  value,
  comment: '',
  justification,
  seq: 3,
  revisions: 0,
  needs_justification: needs,
});

function data(answers: Record<string, StoredAnswer> = {}): Participation {
  return {
    state: 'open',
    survey: {
      id: def.id,
      title: def.title,
      languages: def.languages,
      time_zone: 'Europe/Berlin',
      groups: [],
      scales: def.scales,
      feedback: { ...def.rounds.feedback, justify_outside_iqr: true, min_group_n: 3 },
      allow_revision: true,
      planned_rounds: 3,
    },
    expert: { pseudonym: 'E-TEST', group: 'pol', language: 'de', consent_at: '2026-11-26T09:00:00Z', declined_at: null },
    round: { number: 2, status: 'open', opens_at: null, deadline: null },
    sections,
    answers,
    progress: { answered: 0, total: 2 },
    response: { submissions: 0 },
  };
}

const saved = (answer: StoredAnswer, extra: Partial<SaveResult> = {}): SaveResult => ({ answer, applied: true, progress: { answered: 1, total: 2 }, ...extra });

describe('questionnaireReducer', () => {
  it('starts from the stored answers and the server’s needs_justification', () => {
    const s = initialQuestionnaire(data({ [t1]: stored(2, true) }));
    expect(s.drafts[t1]).toEqual({ value: 2, comment: '', justification: '' });
    expect(s.needs).toEqual({ [t1]: true });
    expect(s.view).toEqual({ kind: 'welcome' });
    expect(needingJustification(s, sections, true)).toEqual([t1]);
    expect(needingJustification(s, sections, false)).toEqual([]);
  });

  it('takes whether an answer needs a justification from each save, not from its own reckoning', () => {
    let s = initialQuestionnaire(data());
    s = reduce(s, { type: 'change', itemId: t1, draft: { value: 1, comment: '', justification: '' } });
    expect(needingJustification(s, sections, true)).toEqual([]); // not saved yet: the server has not said
    s = reduce(s, { type: 'saved', itemId: t1, result: saved(stored(1, true)), showStored: false });
    expect(needingJustification(s, sections, true)).toEqual([t1]);
    // A justification typed but not yet saved hides the stale flag.
    s = reduce(s, { type: 'change', itemId: t1, draft: { value: 1, comment: '', justification: 'weil' } });
    expect(needingJustification(s, sections, true)).toEqual([]);
    s = reduce(s, { type: 'saved', itemId: t1, result: saved(stored(1, false, 'weil')), showStored: false });
    expect(s.needs[t1]).toBe(false);
  });

  it('keeps feedback released by a save, and shows a newer stored answer only when asked', () => {
    const fb: ItemFeedback = { item_id: t1, type: 'rating', n: 5 };
    let s = reduce(initialQuestionnaire(data()), { type: 'change', itemId: t1, draft: { value: 4, comment: '', justification: '' } });
    s = reduce(s, { type: 'saved', itemId: t1, result: saved(stored(5), { applied: false, feedback: fb }), showStored: false });
    expect(s.released[t1]).toBe(fb);
    expect(s.drafts[t1]?.value).toBe(4);
    s = reduce(s, { type: 'saved', itemId: t1, result: saved(stored(5), { applied: false }), showStored: true });
    expect(s.drafts[t1]?.value).toBe(5);
  });

  it('clears an item’s error and its "justification missing" mark when it changes', () => {
    let s = initialQuestionnaire(data());
    s = reduce(s, { type: 'rejected', itemId: t1, message: 'ungültig' });
    const details = [t1, t2].map((item) => ({ field: 'justification', item, message: 'justify' }));
    s = reduce(s, { type: 'submitFailed', error: new ApiError(422, 'invalid', 'justify', 'justification', undefined, details) });
    expect(s.itemErrors).toEqual({ [t1]: 'ungültig' });
    expect(s.missingJustification).toEqual([t1, t2]);
    expect(s.submitError).toBeNull();
    s = reduce(s, { type: 'change', itemId: t1, draft: { value: 3, comment: '', justification: 'x' } });
    expect(s.itemErrors).toEqual({});
    expect(s.missingJustification).toEqual([t2]);
  });

  it('reads the items lacking a justification from the error’s item when it names one', () => {
    const one = new ApiError(422, 'invalid', 'justify', 'justification', undefined, undefined, undefined, undefined, t2);
    expect(reduce(initialQuestionnaire(data()), { type: 'submitFailed', error: one }).missingJustification).toEqual([t2]);
    // Another 422 of the submission is shown as an error, not as missing justifications.
    const other = new ApiError(422, 'invalid', 'something else', 'answers');
    const s = reduce(initialQuestionnaire(data()), { type: 'submitFailed', error: other });
    expect(s.missingJustification).toEqual([]);
    expect(s.submitError).toBe(other);
  });

  it('restores answers left in this browser over the stored ones', () => {
    let s = initialQuestionnaire(data({ [t1]: stored(2) }));
    const before = s;
    expect(reduce(s, { type: 'restored', entries: [] })).toBe(before);
    s = reduce(s, { type: 'restored', entries: [{ itemId: t1, value: 5, comment: 'c', justification: '', seq: 9 }] });
    expect(s.drafts[t1]).toEqual({ value: 5, comment: 'c', justification: '' });
    expect(isAnswered(s, sections, t1)).toBe(true);
    expect(isAnswered(s, sections, t2)).toBe(false);
  });

  it('submits: a refusal without field is an error, a success records the submission', () => {
    let s: QuestionnaireState = reduce(initialQuestionnaire(data()), { type: 'submitting' });
    expect(s.submitting).toBe(true);
    const offline = new ApiError(0, 'network', 'unsaved answers');
    s = reduce(s, { type: 'submitFailed', error: offline });
    expect(s).toMatchObject({ submitting: false, submitError: offline, justSubmitted: false });
    s = reduce(reduce(s, { type: 'submitting' }), {
      type: 'submitted',
      result: { submitted_at: '2026-11-27T10:00:00Z', submissions: 1, changed: true, unanswered: [], progress: { answered: 2, total: 2 } },
    });
    expect(s).toMatchObject({ submitting: false, submitError: null, justSubmitted: true, submitted: { submitted_at: '2026-11-27T10:00:00Z', submissions: 1 } });
  });
});
