import { describe, expect, it } from 'vitest';
import { initialSend, initialTexts, sendOptions, sendReducer, textsReducer } from './invitationsState';

describe('sendReducer', () => {
  it('keeps the reminder interval within 0–720 hours and sends it only with reminders', () => {
    let s = sendReducer(initialSend, { type: 'interval', hours: 1000 });
    expect(s.interval).toBe(720);
    s = sendReducer(s, { type: 'interval', hours: Number('') });
    expect(s.interval).toBe(0);
    s = sendReducer(sendReducer(sendReducer(s, { type: 'interval', hours: -3 }), { type: 'group', group: 'pol' }), { type: 'keep', keep: true });
    expect(sendOptions(s, 'reminders')).toEqual({ group: 'pol', keep_links: true, min_interval_hours: 0 });
    expect(sendOptions(s, 'invitations')).toEqual({ group: 'pol', keep_links: true });
  });

  it('closes the confirmation when a send ends, with the job or the error', () => {
    let s = sendReducer(initialSend, { type: 'confirm', kind: 'invitations' });
    s = sendReducer(s, { type: 'start' });
    expect(s).toMatchObject({ busy: true, confirm: 'invitations', result: '', error: null });
    s = sendReducer(s, { type: 'sent', result: '12 queued' });
    expect(s).toMatchObject({ busy: false, confirm: null, result: '12 queued' });
    const err = new Error('offline');
    s = sendReducer(sendReducer(sendReducer(s, { type: 'confirm', kind: 'reminders' }), { type: 'start' }), { type: 'failed', error: err });
    expect(s).toMatchObject({ busy: false, confirm: null, result: '', error: err });
  });
});

describe('textsReducer', () => {
  it('previews in the page language when the study has it', () => {
    expect(initialTexts({ langs: ['de', 'en'], uiLang: 'en' }).previewLang).toBe('en');
    expect(initialTexts({ langs: ['de'], uiLang: 'en' }).previewLang).toBe('de');
    expect(initialTexts({ langs: [], uiLang: 'de' }).previewLang).toBe('de');
  });

  it('edits over the stored texts, and after saving shows the stored ones and asks for a new preview', () => {
    const stored = { de: { subject: 'Einladung', intro: 'Hallo' } };
    let s = textsReducer(initialTexts({ langs: ['de', 'en'], uiLang: 'de' }), { type: 'edit', base: stored, lang: 'de', field: 'intro', value: 'Guten Tag' });
    expect(s.draft).toEqual({ de: { subject: 'Einladung', intro: 'Guten Tag' } });
    s = textsReducer(s, { type: 'edit', base: s.draft!, lang: 'en', field: 'subject', value: 'Invitation' });
    expect(s.draft).toEqual({ de: { subject: 'Einladung', intro: 'Guten Tag' }, en: { subject: 'Invitation' } });
    s = textsReducer(s, { type: 'start' });
    expect(s).toMatchObject({ saving: true, saved: false });
    s = textsReducer(s, { type: 'saved' });
    expect(s).toMatchObject({ saving: false, saved: true, draft: null, generation: 1 });
    const err = new Error('422');
    s = textsReducer(textsReducer(s, { type: 'start' }), { type: 'failed', error: err });
    expect(s).toMatchObject({ saving: false, saved: false, error: err, generation: 1 });
  });
});
