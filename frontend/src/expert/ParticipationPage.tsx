import { useEffect, useRef, useState, type ReactNode } from 'react';
import { useParams } from 'react-router';
import { ApiError } from '../api';
import { Round0Page, Round0Summary } from '../curation/Round0Expert';
import type { Participation, SectionView } from '../api/types';
import { errorText, Loading } from '../components/ErrorAlert';
import { LanguageSwitch } from '../components/LanguageSwitch';
import { LANG_STORAGE_KEY, setLanguage, useTranslation, type Lang } from '../i18n';
import { baseLang, localized } from '../text';
import { participationApi, type ParticipationApi } from './api';
import './expert.css';
import { ItemCard, justificationId } from './ItemCard';
import { useArguments } from '../arguments/useArguments';
import type { SaveState } from './outbox';
import { isAnswered, keepable, needingJustification, useParticipantActions, useParticipation, useQuestionnaire } from './participationState';
import { RealtimeItemFeedback, useRealtimeFeedback } from './RealtimeFeedback';

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

/**
 * The expert's page behind the personal link /p/:token: the link token is
 * exchanged for a session (cookies), then the privacy notice, the welcome
 * page with round, deadline and progress, the questionnaire section by
 * section with autosave, and the submission. The token is never shown.
 */
export function ParticipationPage({ client = participationApi }: { client?: ParticipationApi }) {
  const { token = '' } = useParams();
  const { t } = useTranslation();
  const { phase, reload, reconnect } = useParticipation(client, token, (data) => {
    if (!remembersLanguage() && (data.expert.language === 'de' || data.expert.language === 'en')) {
      void setLanguage(data.expert.language as Lang);
    }
  });

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
  const { busy, error, confirmDecline, setConfirmDecline, act } = useParticipantActions(reload);

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
  if (round.number === 0) return <Round0Page data={data} decline={decline} />;
  return <Questionnaire data={data} client={client} reconnect={reconnect} decline={decline} errorBox={errorBox} />;
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
  const { survey } = data;
  const round = data.round!;
  const readOnly = data.state !== 'open';
  const sections = data.sections;
  const title = localized(survey.title, lang);
  const { state, change, setView, submit } = useQuestionnaire(data, client, reconnect, t);
  const { view, drafts, saveState, itemErrors, released, needs, submitted, submitError, missingJustification, submitting, justSubmitted } = state;
  const mainHeading = useRef<HTMLHeadingElement>(null);
  const realtime = survey.mode === 'realtime';
  const rt = useRealtimeFeedback(client, realtime, !readOnly, saveState);
  const argumentSlots = useArguments(round.number, survey.groups, lang, Object.keys(released).length);

  useEffect(() => {
    mainHeading.current?.focus();
  }, [view]);

  const allItems = sections.flatMap((s) => s.items);
  const answered = (id: string) => isAnswered(state, sections, id);
  const total = allItems.length;
  const done = allItems.filter((v) => answered(v.item.id)).length;
  const sectionDone = (s: SectionView) => s.items.filter((v) => answered(v.item.id)).length;
  const justify = survey.feedback.justify_outside_iqr;
  const needsJustification = needingJustification(state, sections, justify);

  /** Opens the item's section and moves to the item, or to its justification field when `field` says so and it is shown. */
  const goToItem = (id: string, field?: 'justification') => {
    const index = sections.findIndex((s) => s.items.some((v) => v.item.id === id));
    if (index >= 0) setView({ kind: 'section', index });
    setTimeout(() => {
      const input = field ? document.getElementById(justificationId(id)) : null;
      const target = input ?? document.getElementById(`item-${id}`);
      target?.scrollIntoView({ block: 'center' });
      if (input) input.focus();
    }, 0);
  };
  const [kept, setKept] = useState<{ section: number; count: number } | null>(null);
  const keepAll = (index: number) => {
    const list = keepable(state, sections[index]!);
    for (const v of list) change(v.item.id, { ...(drafts[v.item.id] ?? { comment: '', justification: '' }), value: v.previous!.value });
    setKept({ section: index, count: list.length });
  };
  const itemLabel = (id: string) => localized(allItems.find((v) => v.item.id === id)?.item.text, lang) || id;

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
        {realtime && <p>{t('realtime.intro')}</p>}
        {survey.round0?.enabled && round.number >= 1 && <Round0Summary data={data} />}
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
        {!readOnly && keepable(state, s).length > 0 && (
          <div className="keep-all">
            <button type="button" onClick={() => keepAll(view.index)}>
              {t('participation.keepAll', { count: keepable(state, s).length })}
            </button>
            <p className="muted small">{t('participation.keepAllHint', { round: round.number - 1 })}</p>
          </div>
        )}
        <p className="visually-hidden" role="status">
          {kept?.section === view.index ? t('participation.keptAll', { count: kept.count, round: round.number - 1 }) : ''}
        </p>
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
            needsJustification={needs[v.item.id]}
            readOnly={readOnly}
            error={itemErrors[v.item.id]}
            minGroupN={survey.feedback.min_group_n}
            seed={data.expert.pseudonym}
            realtime={
              realtime
                ? (itemHeading) => (
                    <RealtimeItemFeedback
                      item={v.item}
                      answered={answered(v.item.id)}
                      state={rt}
                      scales={survey.scales}
                      groups={survey.groups}
                      lang={lang}
                      minGroupN={survey.feedback.min_group_n}
                      itemHeading={itemHeading}
                    />
                  )
                : undefined
            }
            topArguments={argumentSlots.top(v)}
            arguments={argumentSlots.box(v, readOnly)}
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
                  <button type="button" className="link-button" onClick={() => goToItem(id, 'justification')}>
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

  const withFeedback = realtime || allItems.some((v) => v.feedback || released[v.item.id]);
  return (
    <div className={withFeedback ? 'questionnaire q-wide' : 'questionnaire'}>
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
