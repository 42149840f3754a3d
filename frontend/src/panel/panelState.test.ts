import { describe, expect, it } from 'vitest';
import type { Expert } from '../api/types';
import { fixtureSurvey } from '../test/fixture';
import { expertBody, initialExpertInput, initialPanel, listQuery, panelReducer as reduce } from './panelState';

const expert: Expert = {
  id: 'x1',
  survey_id: fixtureSurvey.id,
  pseudonym: 'E-7K3M',
  group: 'civ',
  language: 'en',
  name: 'Anna Alt',
  email: 'anna@example.org',
  organisation: 'Verein',
  notes: '',
  status: 'declined',
  declined_at: '2026-11-20T08:00:00Z',
  created_at: '2026-11-01T08:00:00Z',
  updated_at: '2026-11-20T08:00:00Z',
};

describe('panelReducer', () => {
  it('asks for a round status only together with a round', () => {
    let s = reduce(initialPanel, { type: 'filter', status: 'submitted' });
    expect(listQuery(s)).toEqual({ group: '', status: '' });
    s = reduce(s, { type: 'filter', round: 2, group: 'pol' });
    expect(listQuery(s)).toEqual({ group: 'pol', status: 'submitted', round: 2 });
    s = reduce(s, { type: 'filter', status: 'declined', round: 0 });
    expect(listQuery(s)).toEqual({ group: 'pol', status: 'declined' });
  });

  it('closes the dialog with a notice when its action succeeds, and clears both when the next starts', () => {
    let s = reduce(initialPanel, { type: 'dialog', dialog: { kind: 'erase', expert } });
    s = reduce(s, { type: 'done', notice: 'E-7K3M gelöscht' });
    expect(s).toMatchObject({ dialog: null, notice: 'E-7K3M gelöscht' });
    const err = new Error('offline');
    s = reduce(reduce(s, { type: 'start' }), { type: 'failed', error: err });
    expect(s).toMatchObject({ notice: '', actionError: err });
    expect(reduce(s, { type: 'start' }).actionError).toBeNull();
  });
});

describe('the expert form', () => {
  it('starts a new expert in the first group, and never sends "declined" for one', () => {
    const v = initialExpertInput({ survey: fixtureSurvey });
    expect(v).toEqual({ name: '', email: '', organisation: '', group: fixtureSurvey.definition.groups![0]!.id, language: 'de', notes: '', declined: false });
    expect(expertBody(v, true)).not.toHaveProperty('declined');
    // An English-only study: a new expert is English.
    const en = { ...fixtureSurvey, definition: { ...fixtureSurvey.definition, languages: ['en'] } };
    expect(initialExpertInput({ survey: en }).language).toBe('en');
  });

  it('edits an expert with its fields, including whether it declined', () => {
    const v = initialExpertInput({ survey: fixtureSurvey, expert });
    expect(v).toMatchObject({ group: 'civ', language: 'en', declined: true });
    expect(expertBody(v, false)).toHaveProperty('declined', true);
  });
});
