import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useParams } from 'react-router';
import { ApiError, isAbort } from '../api';
import { errorText, Loading } from '../components/ErrorAlert';
import { LanguageSwitch } from '../components/LanguageSwitch';
import { LANG_STORAGE_KEY, setLanguage, type Lang } from '../i18n';
import { baseLang, localized } from '../text';
import { participationApi, type ParticipationApi } from './api';
import './expert.css';
import { ItemCard } from './ItemCard';
import { Outbox, outboxKey, type Draft, type SaveState } from './outbox';
import type { ItemFeedback, Participation, SectionView } from '../api/types';
import { isComplete, outsideIQR } from './util';

/** A date-time in the study's time zone, e.g. "Montag, 14. Dezember 2026 um 18:00 MEZ". */
export function formatInZone(iso: string | null | undefined, lang: string, timeZone: string): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  try {
    return new Intl.DateTimeFormat(lang, {
      weekday: 'long',
      day: 'numeric',
      month: 'long',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      timeZone,
      timeZoneName: 'short',
    }).format(d);
  } catch {
    return new Intl.DateTimeFormat(lang, { dateStyle: 'full', timeStyle: 'short' }).format(d);
  }
}

function remembersLanguage(): boolean {
  try {
    return !!localStorage.getItem(LANG_STORAGE_KEY);
  } catch {
    return true;
  }
}

type Phase = { kind: 'loading' } | { kind: 'error'; error: unknown } | { kind: 'ready'; data: Participation };

/**
 * The expert's page behind the personal link /p/:token: the link token is
 * exchanged for a session (cookies), then the privacy notice, the welcome
 * page with round, deadline and progress, the questionnaire section by
 * section with autosave, and the submission. The token is never shown.
 */
export function ParticipationPage({ client = participationApi }: { client?: ParticipationApi }) {
  const { token = '' } = useParams();
  const { t } = useTranslation();
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

  useEffect(() => {
    const ac = new AbortController();
    connect()
      .then(() => load(ac.signal))
      .then((data) => {
        if (!remembersLanguage() && (data.expert.language === 'de' || data.expert.language === 'en')) {
          void setLanguage(data.expert.language as Lang);
        }
      })
      .catch((error: unknown) => {
        if (!ac.signal.aborted && !isAbort(error)) setPhase({ kind: 'error', error });
      });
    return () => ac.abort();
  }, [connect, load]);

  const reload = useCallback(() => {
    load().catch((error: unknown) => setPhase({ kind: 'error', error }));
  }, [load]);

  const reconnect = useCallback(async () => {
    try {
      await connect();
      return true;
    } catch {
      return false;
    }
  }, [connect]);

  let body: ReactNode;
  if (phase.kind === 'loading') body = <Loading />;
  else if (phase.kind === 'error') {
    const e = phase.error;
    body = (
      <div className="alert alert-error" role="alert">
        <p>{e instanceof ApiError && e.status === 404 ? t('participation.linkInvalid') : errorText(e, t)}</p>
      </div>
    );
  } else {
    const data = phase.data;
    body = (
      <Participant
        key={`${data.survey.id}:${data.round?.number ?? 0}`}
        data={data}
        client={client}
        reload={reload}
        reconnect={reconnect}
      />
    );
  }
  return (
    <div className="expert-page">
      <a className="skip-link" href="#main">
        {t('app.skipToContent')}
      </a>
      <header className="login-header expert-header">
        <p className="brand">{t('app.name')}</p>
        <LanguageSwitch />
      </header>
      <main id="main" tabIndex={-1} className="expert-main">
        {body}
      </main>
    </div>
  );
}

export default ParticipationPage;

interface ParticipantProps {
  data: Participation;
  client: ParticipationApi;
  reload: () => void;
  reconnect: () => Promise<boolean>;
}

/** Consent, welcome, questionnaire and submission for a loaded participation. */
function Participant({ data, client, reload, reconnect }: ParticipantProps) {
  const { t, i18n } = useTranslation();
  const lang = baseLang(i18n.resolvedLanguage ?? i18n.language);
  const { survey, expert, round } = data;
  const title = localized(survey.title, lang);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [confirmDecline, setConfirmDecline] = useState(false);

  const act = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
      reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const decline = (
    <div className="decline">
      {!confirmDecline ? (
        <button type="button" className="link-button" onClick={() => setConfirmDecline(true)}>
          {t('participation.decline')}
        </button>
      ) : (
        <div className="card" role="group" aria-label={t('participation.decline')}>
          <p>{t('participation.declineConfirm')}</p>
          <button type="button" onClick={() => void act(() => client.decline())} disabled={busy}>
            {t('participation.declineYes')}
          </button>{' '}
          <button type="button" onClick={() => setConfirmDecline(false)}>
            {t('participation.declineNo')}
          </button>
        </div>
      )}
    </div>
  );
  const errorBox = error != null && (
    <div className="alert alert-error" role="alert">
      <p>{errorText(error, t)}</p>
    </div>
  );

  if (data.state === 'declined') {
    return (
      <article>
        <title>{`${title} – ${t('app.name')}`}</title>
        <h1>{title}</h1>
        <p className="lead">{t('participation.declined')}</p>
      </article>
    );
  }
  if (!expert.consent_at) {
    const privacy = localized(survey.privacy, lang) || t('participation.privacyDefault');
    return (
      <article className="consent">
        <title>{`${title} – ${t('app.name')}`}</title>
        <h1>{title}</h1>
        <h2>{t('participation.privacyTitle')}</h2>
        <p className="privacy-text">{privacy}</p>
        {survey.contact && (
          <p className="muted small">
            {t('participation.contact', { name: survey.contact.name, email: survey.contact.email })}
          </p>
        )}
        {errorBox}
        <p>
          <button type="button" className="button-primary" onClick={() => void act(() => client.consent())} disabled={busy}>
            {t('participation.consent')}
          </button>
        </p>
        <p className="muted small">{t('participation.noConsentNothingStored')}</p>
        {decline}
      </article>
    );
  }
  if (!round || data.state === 'not_started' || data.state === 'upcoming') {
    return (
      <article>
        <title>{`${title} – ${t('app.name')}`}</title>
        <h1>{title}</h1>
        <p className="lead">
          {data.state === 'upcoming' && round
            ? t('participation.upcoming', { round: round.number, date: formatInZone(round.opens_at, lang, survey.time_zone) })
            : t('participation.notStarted')}
        </p>
        {errorBox}
        {decline}
      </article>
    );
  }
  return <Questionnaire data={data} client={client} reconnect={reconnect} decline={decline} errorBox={errorBox} />;
}

type View = { kind: 'welcome' } | { kind: 'section'; index: number } | { kind: 'submit' };

function initialDrafts(data: Participation): Record<string, Draft> {
  const out: Record<string, Draft> = {};
  for (const [id, a] of Object.entries(data.answers)) {
    out[id] = { value: a.value, comment: a.comment, justification: a.justification };
  }
  return out;
}

function Questionnaire({
  data,
  client,
  reconnect,
  decline,
  errorBox,
}: {
  data: Participation;
  client: ParticipationApi;
  reconnect: () => Promise<boolean>;
  decline: ReactNode;
  errorBox: ReactNode;
}) {
  const { t, i18n } = useTranslation();
  const lang = baseLang(i18n.resolvedLanguage ?? i18n.language);
  const { survey, expert } = data;
  const round = data.round!;
  const readOnly = data.state !== 'open';
  const sections = data.sections;
  const title = localized(survey.title, lang);
  const [view, setView] = useState<View>({ kind: 'welcome' });
  const [drafts, setDrafts] = useState<Record<string, Draft>>(() => initialDrafts(data));
  const [saveState, setSaveState] = useState<SaveState>('idle');
  const [itemErrors, setItemErrors] = useState<Record<string, string>>({});
  const [released, setReleased] = useState<Record<string, ItemFeedback>>({});
  const [submitted, setSubmitted] = useState(data.response);
  const [submitError, setSubmitError] = useState<unknown>(null);
  const [missingJustification, setMissingJustification] = useState<string[]>([]);
  const [submitting, setSubmitting] = useState(false);
  const [justSubmitted, setJustSubmitted] = useState(false);
  const outbox = useRef<Outbox | null>(null);
  const mainHeading = useRef<HTMLHeadingElement>(null);
  const key = outboxKey(survey.id, round.number, expert.pseudonym);

  useEffect(() => {
    if (readOnly) return;
    const ob = new Outbox({
      key,
      send: (id, body) => client.save(id, body),
      onState: setSaveState,
      onSaved: (id, res) => {
        if (res.feedback) setReleased((r) => ({ ...r, [id]: res.feedback! }));
        if (!res.applied && !ob.get(id)) {
          // A newer answer (another tab or device) is stored: show it.
          const a = res.answer;
          setDrafts((d) => ({ ...d, [id]: { value: a.value, comment: a.comment, justification: a.justification } }));
        }
      },
      onRejected: (id, err) => setItemErrors((e) => ({ ...e, [id]: errorText(err, t) })),
      onUnauthorized: reconnect,
    });
    for (const a of Object.values(data.answers)) ob.observeSeq(a.seq);
    // Answers queued in this browser and not yet acknowledged win over the
    // server's copy when they are newer; they are sent again now.
    const restored = ob.entries().filter((e) => !data.answers[e.itemId] || e.seq > data.answers[e.itemId]!.seq);
    if (restored.length > 0) {
      setDrafts((d) => {
        const next = { ...d };
        for (const e of restored) next[e.itemId] = { value: e.value, comment: e.comment, justification: e.justification };
        return next;
      });
    }
    void ob.flushNow();
    outbox.current = ob;
    return () => {
      ob.dispose();
      if (outbox.current === ob) outbox.current = null;
    };
    // data.answers is the snapshot at mount; the outbox lives per round.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, readOnly, client, reconnect]);

  useEffect(() => {
    mainHeading.current?.focus();
  }, [view]);

  const change = useCallback((itemId: string, d: Draft) => {
    setDrafts((prev) => ({ ...prev, [itemId]: d }));
    setItemErrors((e) => {
      if (!(itemId in e)) return e;
      const { [itemId]: _, ...rest } = e;
      void _;
      return rest;
    });
    setMissingJustification((m) => m.filter((x) => x !== itemId));
    outbox.current?.put(itemId, d);
  }, []);

  const allItems = useMemo(() => sections.flatMap((s) => s.items), [sections]);
  const answered = (id: string) => {
    const v = allItems.find((x) => x.item.id === id);
    return !!v && isComplete(v.item, drafts[id]?.value);
  };
  const total = allItems.length;
  const done = allItems.filter((v) => answered(v.item.id)).length;
  const sectionDone = (s: SectionView) => s.items.filter((v) => answered(v.item.id)).length;
  const justify = survey.feedback.justify_outside_iqr;
  const needsJustification = allItems
    .filter((v) => {
      const d = drafts[v.item.id];
      return justify && d && !d.justification.trim() && outsideIQR(released[v.item.id] ?? v.feedback, d.value).length > 0;
    })
    .map((v) => v.item.id);

  const goToItem = (id: string) => {
    const index = sections.findIndex((s) => s.items.some((v) => v.item.id === id));
    if (index >= 0) setView({ kind: 'section', index });
    setTimeout(() => document.getElementById(`item-${id}`)?.scrollIntoView({ block: 'start' }), 0);
  };
  const itemLabel = (id: string) => localized(allItems.find((v) => v.item.id === id)?.item.text, lang) || id;

  async function submit() {
    setSubmitting(true);
    setSubmitError(null);
    setMissingJustification([]);
    try {
      const ob = outbox.current;
      if (ob) {
        // Everything queued must be on the server first (saves in flight included).
        await ob.flushNow();
        await Promise.race([ob.whenIdle(), new Promise((r) => setTimeout(r, 5000))]);
        if (ob.entries().length > 0) throw new ApiError(0, 'network', 'unsaved answers');
      }
      const res = await client.submit();
      setSubmitted({ ...submitted, submitted_at: res.submitted_at ?? undefined, submissions: res.submissions });
      setJustSubmitted(true);
    } catch (err) {
      if (err instanceof ApiError && err.status === 422 && err.field) {
        setMissingJustification(err.field.split(','));
      } else {
        setSubmitError(err);
      }
    } finally {
      setSubmitting(false);
    }
  }

  const saveText: Record<SaveState, string> = {
    idle: '',
    saving: t('participation.saving'),
    saved: t('participation.saved'),
    offline: t('participation.offline'),
    error: t('participation.saveError'),
  };
  const deadline = formatInZone(round.deadline, lang, survey.time_zone);
  const progressLabel = t('participation.progress', { done, total });

  const nav = (
    <nav className="section-nav" aria-label={t('participation.sections')}>
      <ol>
        <li>
          <button type="button" aria-current={view.kind === 'welcome' ? 'step' : undefined} onClick={() => setView({ kind: 'welcome' })}>
            {t('participation.welcome')}
          </button>
        </li>
        {sections.map((s, i) => (
          <li key={s.id}>
            <button
              type="button"
              aria-current={view.kind === 'section' && view.index === i ? 'step' : undefined}
              onClick={() => setView({ kind: 'section', index: i })}
            >
              {localized(s.title, lang) || s.id}{' '}
              <span className="muted small">
                ({sectionDone(s)}/{s.items.length})
              </span>
            </button>
          </li>
        ))}
        {!readOnly && (
          <li>
            <button type="button" aria-current={view.kind === 'submit' ? 'step' : undefined} onClick={() => setView({ kind: 'submit' })}>
              {t('participation.submitStep')}
            </button>
          </li>
        )}
      </ol>
    </nav>
  );

  let content: ReactNode;
  if (view.kind === 'welcome') {
    content = (
      <>
        <h1 ref={mainHeading} tabIndex={-1}>
          {title}
        </h1>
        {localized(survey.description, lang) && <p className="lead">{localized(survey.description, lang)}</p>}
        <dl className="facts">
          <div className="fact">
            <dt>{t('participation.round')}</dt>
            <dd>{t('participation.roundOf', { round: round.number, planned: survey.planned_rounds })}</dd>
          </div>
          {round.deadline && (
            <div className="fact">
              <dt>{t('participation.deadline')}</dt>
              <dd>{deadline}</dd>
            </div>
          )}
          <div className="fact">
            <dt>{t('participation.progressLabel')}</dt>
            <dd>{progressLabel}</dd>
          </div>
        </dl>
        {readOnly ? (
          <p className="alert">{t('participation.closed', { round: round.number })}</p>
        ) : (
          submitted.submitted_at && <p className="alert">{t(survey.allow_revision ? 'participation.submittedRevise' : 'participation.submittedFinal')}</p>
        )}
        {round.number > 1 && !readOnly && <p>{t('participation.feedbackIntro', { round: round.number - 1 })}</p>}
        <p>
          <button type="button" className="button-primary" onClick={() => setView({ kind: 'section', index: 0 })}>
            {done > 0 || readOnly ? t('participation.continue') : t('participation.start')}
          </button>
        </p>
        {!readOnly && decline}
      </>
    );
  } else if (view.kind === 'section') {
    const s = sections[view.index]!;
    const last = view.index === sections.length - 1;
    content = (
      <>
        <h1 ref={mainHeading} tabIndex={-1}>
          {localized(s.title, lang) || s.id}
        </h1>
        {localized(s.description, lang) && <p className="lead">{localized(s.description, lang)}</p>}
        {readOnly && <p className="alert">{t('participation.closed', { round: round.number })}</p>}
        {s.items.map((v) => (
          <ItemCard
            key={v.item.id}
            view={v}
            draft={drafts[v.item.id]}
            onChange={(d) => change(v.item.id, d)}
            scales={survey.scales}
            groups={survey.groups}
            lang={lang}
            round={round.number}
            feedback={released[v.item.id]}
            justify={justify}
            readOnly={readOnly}
            error={itemErrors[v.item.id]}
            minGroupN={survey.feedback.min_group_n}
          />
        ))}
        <p className="pager">
          {view.index > 0 && (
            <button type="button" onClick={() => setView({ kind: 'section', index: view.index - 1 })}>
              {t('participation.previous')}
            </button>
          )}{' '}
          {!last && (
            <button type="button" className="button-primary" onClick={() => setView({ kind: 'section', index: view.index + 1 })}>
              {t('participation.next')}
            </button>
          )}
          {last && !readOnly && (
            <button type="button" className="button-primary" onClick={() => setView({ kind: 'submit' })}>
              {t('participation.toSubmit')}
            </button>
          )}
        </p>
      </>
    );
  } else {
    const unanswered = allItems.filter((v) => !answered(v.item.id)).map((v) => v.item.id);
    const justifyList = [...new Set([...missingJustification, ...needsJustification])];
    content = (
      <>
        <h1 ref={mainHeading} tabIndex={-1}>
          {t('participation.submitTitle')}
        </h1>
        <p>{progressLabel}</p>
        {unanswered.length > 0 ? (
          <div className="card">
            <h2>{t('participation.unanswered', { count: unanswered.length })}</h2>
            <ul>
              {unanswered.map((id) => (
                <li key={id}>
                  <button type="button" className="link-button" onClick={() => goToItem(id)}>
                    {itemLabel(id)}
                  </button>
                </li>
              ))}
            </ul>
          </div>
        ) : (
          <p>{t('participation.allAnswered')}</p>
        )}
        {justifyList.length > 0 && (
          <div className="alert alert-error" role="alert">
            <p>{t('participation.justificationsMissing')}</p>
            <ul>
              {justifyList.map((id) => (
                <li key={id}>
                  <button type="button" className="link-button" onClick={() => goToItem(id)}>
                    {itemLabel(id)}
                  </button>
                </li>
              ))}
            </ul>
          </div>
        )}
        {submitError != null && (
          <div className="alert alert-error" role="alert">
            <p>{submitError instanceof ApiError && submitError.status === 0 ? t('participation.submitOffline') : errorText(submitError, t)}</p>
          </div>
        )}
        {justSubmitted ? (
          <div className="alert alert-success" role="status">
            <p>{t('participation.thanks')}</p>
            <p>{t(survey.allow_revision ? 'participation.submittedRevise' : 'participation.submittedFinal')}</p>
          </div>
        ) : (
          <p>
            <button type="button" className="button-primary" onClick={() => void submit()} disabled={submitting || justifyList.length > 0}>
              {submitted.submitted_at ? t('participation.submitAgain') : t('participation.submit')}
            </button>
          </p>
        )}
      </>
    );
  }

  return (
    <div className="questionnaire">
      <title>{`${title} – ${t('app.name')}`}</title>
      <div className="q-status">
        <label className="progress">
          <span className="visually-hidden">{t('participation.progressLabel')}</span>
          <progress value={done} max={total || 1} aria-valuetext={progressLabel} />
          <span className="small">{progressLabel}</span>
        </label>
        <p className={`save-state save-${saveState}`} role="status" aria-live="polite">
          {saveText[saveState]}
        </p>
      </div>
      {nav}
      {errorBox}
      <div className="q-content">{content}</div>
    </div>
  );
}
