// The state of the expert's page (ParticipationPage): loading the
// participation behind the link, and the questionnaire with its drafts,
// autosave, feedback released by a save, and the submission. The reducer is
// pure; the hooks connect it to the server and the outbox.
import type { TFunction } from '../i18n';
import { useCallback, useEffect, useReducer, useRef, useState } from 'react';
import { ApiError, isAbort } from '../api';
import { useAction } from '../hooks';
import type { Item, ItemFeedback, Participation, ResponseInfo, SaveResult, SectionView, SubmitResult } from '../api/types';
import { errorText } from '../components/ErrorAlert';
import type { ParticipationApi } from './api';
import { Outbox, outboxKey, type Draft, type Entry, type SaveState } from './outbox';
import { isComplete, isEmptyValue } from './util';

// ---- loading the participation behind the link

export type Phase = { kind: 'loading' } | { kind: 'error'; error: unknown } | { kind: 'ready'; data: Participation };

/**
 * Exchanges the link token for a session, loads the participation and
 * loads it again on request; a session that ended is renewed with the link.
 */
export function useParticipation(client: ParticipationApi, token: string, onFirstLoad: (data: Participation) => void) {
  const [phase, setPhase] = useState<Phase>({ kind: 'loading' });

  const connect = useCallback(async () => {
    await client.session(token);
  }, [client, token]);

  const load = useCallback(
    async (signal?: AbortSignal) => {
      let data: Participation;
      try {
        data = await client.get(signal);
      } catch (err) {
        if (!(err instanceof ApiError && err.status === 401)) throw err;
        await connect(); // the session ended: the link opens a new one
        data = await client.get(signal);
      }
      setPhase({ kind: 'ready', data });
      return data;
    },
    [client, connect],
  );

  const first = useRef(onFirstLoad);
  first.current = onFirstLoad;
  useEffect(() => {
    const ac = new AbortController();
    connect()
      .then(() => load(ac.signal))
      .then((data) => first.current(data))
      .catch((error: unknown) => {
        if (!ac.signal.aborted && !isAbort(error)) setPhase({ kind: 'error', error });
      });
    return () => ac.abort();
  }, [connect, load]);

  // Reloads stop (also while they wait to try again) when the page goes.
  const life = useRef<AbortController | null>(null);
  useEffect(() => {
    const ac = new AbortController();
    life.current = ac;
    return () => ac.abort();
  }, []);
  const reload = useCallback(() => {
    const signal = life.current?.signal;
    load(signal).catch((error: unknown) => {
      if (!signal?.aborted && !isAbort(error)) setPhase({ kind: 'error', error });
    });
  }, [load]);

  const reconnect = useCallback(async () => {
    try {
      await connect();
      return true;
    } catch {
      return false;
    }
  }, [connect]);

  return { phase, reload, reconnect };
}

/**
 * Consent and declining: each runs one call and then loads the participation
 * again; declining asks for confirmation first.
 */
export function useParticipantActions(reload: () => void) {
  const action = useAction();
  const [confirmDecline, setConfirmDecline] = useState(false);
  const act = async (fn: () => Promise<unknown>) => {
    if (await action.run(fn)) reload();
  };
  return { busy: action.busy, error: action.error, confirmDecline, setConfirmDecline, act };
}

// ---- the questionnaire

export type View = { kind: 'welcome' } | { kind: 'section'; index: number } | { kind: 'submit' };

export interface QuestionnaireState {
  view: View;
  /** The expert's answers as edited here: saved, queued, or restored from this browser. */
  drafts: Record<string, Draft>;
  saveState: SaveState;
  /** Why the server refused an item's last save. */
  itemErrors: Record<string, string>;
  /** Feedback released by a save (hide_until_answered). */
  released: Record<string, ItemFeedback>;
  /** The server's needs_justification of each stored answer. */
  needs: Record<string, boolean>;
  submitted: ResponseInfo;
  submitError: unknown;
  /** The items a refused submission named (422: field = their ids). */
  missingJustification: string[];
  submitting: boolean;
  justSubmitted: boolean;
}

export type QuestionnaireEvent =
  | { type: 'view'; view: View }
  | { type: 'change'; itemId: string; draft: Draft }
  | { type: 'restored'; entries: Entry[] }
  | { type: 'saveState'; state: SaveState }
  | { type: 'saved'; itemId: string; result: SaveResult; showStored: boolean }
  | { type: 'rejected'; itemId: string; message: string }
  | { type: 'submitting' }
  | { type: 'submitted'; result: SubmitResult }
  | { type: 'submitFailed'; error: unknown };

const draftOf = (a: { value: Draft['value']; comment: string; justification: string }): Draft => ({
  value: a.value,
  comment: a.comment,
  justification: a.justification,
});

export function initialQuestionnaire(data: Participation): QuestionnaireState {
  const drafts: Record<string, Draft> = {};
  const needs: Record<string, boolean> = {};
  for (const [id, a] of Object.entries(data.answers)) {
    drafts[id] = draftOf(a);
    needs[id] = a.needs_justification;
  }
  return {
    view: { kind: 'welcome' },
    drafts,
    saveState: 'idle',
    itemErrors: {},
    released: {},
    needs,
    submitted: data.response,
    submitError: null,
    missingJustification: [],
    submitting: false,
    justSubmitted: false,
  };
}

export function questionnaireReducer(s: QuestionnaireState, e: QuestionnaireEvent): QuestionnaireState {
  switch (e.type) {
    case 'view':
      return { ...s, view: e.view };
    case 'change': {
      const { [e.itemId]: _, ...itemErrors } = s.itemErrors;
      void _;
      return {
        ...s,
        drafts: { ...s.drafts, [e.itemId]: e.draft },
        itemErrors: e.itemId in s.itemErrors ? itemErrors : s.itemErrors,
        missingJustification: s.missingJustification.filter((x) => x !== e.itemId),
      };
    }
    case 'restored': {
      if (e.entries.length === 0) return s;
      const drafts = { ...s.drafts };
      for (const x of e.entries) drafts[x.itemId] = draftOf(x);
      return { ...s, drafts };
    }
    case 'saveState':
      return { ...s, saveState: e.state };
    case 'saved': {
      const { result: r, itemId: id } = e;
      return {
        ...s,
        released: r.feedback ? { ...s.released, [id]: r.feedback } : s.released,
        needs: { ...s.needs, [id]: r.answer.needs_justification },
        // A newer answer (another tab or device) is stored: show it.
        drafts: e.showStored ? { ...s.drafts, [id]: draftOf(r.answer) } : s.drafts,
      };
    }
    case 'rejected':
      return { ...s, itemErrors: { ...s.itemErrors, [e.itemId]: e.message } };
    case 'submitting':
      return { ...s, submitting: true, submitError: null, missingJustification: [] };
    case 'submitted':
      return {
        ...s,
        submitting: false,
        justSubmitted: true,
        submitted: { ...s.submitted, submitted_at: e.result.submitted_at ?? undefined, submissions: e.result.submissions },
      };
    case 'submitFailed':
      if (e.error instanceof ApiError && e.error.status === 422 && e.error.field === 'justification') {
        // One detail per item: {"field": "justification", "item": id}.
        const items = (e.error.details ?? []).map((d) => d.item).filter((id): id is string => !!id);
        return { ...s, submitting: false, missingJustification: items.length > 0 ? items : e.error.item ? [e.error.item] : [] };
      }
      return { ...s, submitting: false, submitError: e.error };
  }
}

/** Whether the item counts as answered with its current draft. */
export function isAnswered(s: QuestionnaireState, sections: SectionView[], id: string): boolean {
  const v = sections.flatMap((x) => x.items).find((x) => x.item.id === id);
  return !!v && isComplete(v.item, s.drafts[id]?.value);
}

/**
 * The items of a section "keep all my unchanged answers" confirms: carried
 * over unchanged, with a previous answer, and not answered in this round yet.
 */
export function keepable(s: QuestionnaireState, section: SectionView): SectionView['items'] {
  return section.items.filter((v) => v.origin === 'carried' && !isEmptyValue(v.previous?.value) && !isComplete(v.item, s.drafts[v.item.id]?.value));
}

/**
 * What is sent for a draft: an incomplete value (a ranking with places
 * still free, a multi_rating with criteria still open) is kept on the page
 * but sent as no answer, so the server never stores half an answer and the
 * item counts as answered only once it is complete.
 */
export function sendable(item: Item | undefined, d: Draft): Draft {
  return item && !isComplete(item, d.value) ? { ...d, value: null } : d;
}

const sameDraft = (a: Draft, b: Draft) =>
  a.comment === b.comment && a.justification === b.justification && JSON.stringify(a.value) === JSON.stringify(b.value);

/**
 * The items whose stored answer needs a justification (the server's
 * needs_justification), unless one has been typed since.
 */
export function needingJustification(s: QuestionnaireState, sections: SectionView[], justify: boolean): string[] {
  if (!justify) return [];
  return sections
    .flatMap((x) => x.items)
    .map((v) => v.item.id)
    .filter((id) => {
      const d = s.drafts[id];
      return !!d && !d.justification.trim() && !!s.needs[id];
    });
}

/** How long a submission waits for the saves in flight before it reports unsaved answers. */
const SUBMIT_WAIT_MS = 5000;

/**
 * The questionnaire's state, with the outbox that saves each change (while
 * the round is open) and the submission.
 */
export function useQuestionnaire(data: Participation, client: ParticipationApi, reconnect: () => Promise<boolean>, t: TFunction) {
  const [state, dispatch] = useReducer(questionnaireReducer, data, initialQuestionnaire);
  const readOnly = data.state !== 'open';
  const outbox = useRef<Outbox | null>(null);
  const round = data.round!;
  const key = outboxKey(data.survey.id, round.number, data.expert.pseudonym);

  useEffect(() => {
    if (readOnly) return;
    const ob = new Outbox({
      key,
      send: (answers) => client.saveBatch(answers),
      onState: (st) => dispatch({ type: 'saveState', state: st }),
      onSaved: (id, result) => dispatch({ type: 'saved', itemId: id, result, showStored: !result.applied && !ob.get(id) }),
      onRejected: (id, err) => dispatch({ type: 'rejected', itemId: id, message: errorText(err, t, { withField: false }) }),
      onUnauthorized: reconnect,
    });
    for (const a of Object.values(data.answers)) ob.observeSeq(a.seq);
    // Answers queued in this browser and not yet acknowledged win over the
    // server's copy when they are newer; they are sent again now.
    dispatch({ type: 'restored', entries: ob.entries().filter((e) => !data.answers[e.itemId] || e.seq > data.answers[e.itemId]!.seq) });
    void ob.flushNow();
    outbox.current = ob;
    return () => {
      ob.dispose();
      if (outbox.current === ob) outbox.current = null;
    };
    // data.answers is the snapshot at mount; the outbox lives per round.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, readOnly, client, reconnect]);

  // The drafts as last rendered, to tell whether a change alters what is sent.
  const drafts = useRef(state.drafts);
  drafts.current = state.drafts;
  const items = useRef(new Map<string, Item>());
  if (items.current.size === 0) for (const v of data.sections.flatMap((x) => x.items)) items.current.set(v.item.id, v.item);

  const change = useCallback((itemId: string, draft: Draft) => {
    const item = items.current.get(itemId);
    const before = drafts.current[itemId];
    const send = sendable(item, draft);
    drafts.current = { ...drafts.current, [itemId]: draft };
    dispatch({ type: 'change', itemId, draft });
    // Filling a ranking place by place sends nothing until the ranking is complete.
    if (before ? !sameDraft(sendable(item, before), send) : !sameDraft(send, { value: null, comment: '', justification: '' })) {
      outbox.current?.put(itemId, send);
    }
  }, []);

  const setView = useCallback((view: View) => dispatch({ type: 'view', view }), []);

  const submit = useCallback(async () => {
    dispatch({ type: 'submitting' });
    try {
      const ob = outbox.current;
      if (ob) {
        // Everything queued must be on the server first (saves in flight included).
        await ob.flushNow();
        await Promise.race([ob.whenIdle(), new Promise((r) => setTimeout(r, SUBMIT_WAIT_MS))]);
        if (ob.entries().length > 0) throw new ApiError(0, 'network', 'unsaved answers');
      }
      dispatch({ type: 'submitted', result: await client.submit() });
    } catch (error) {
      dispatch({ type: 'submitFailed', error });
    }
  }, [client]);

  return { state, readOnly, change, setView, submit };
}
