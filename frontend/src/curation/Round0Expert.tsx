import { useCallback, useEffect, useId, useState, type FormEvent, type ReactNode } from 'react';
import type { Participation } from '../api/types';
import { errorText, Loading } from '../components/ErrorAlert';
import { useAction } from '../hooks';
import { useTranslation, type TFunction } from '../i18n';
import { baseLang, localized } from '../text';
import { round0Api, type MySuggestions, type OwnSuggestion, type Round0Api, type Round0Summary, type Round0SummaryEntry } from './api';
import './curation.css';

/** Loads data through fn once, and again on reload; the error is kept. */
function useLoad<T>(fn: (signal: AbortSignal) => Promise<T>) {
  const [gen, setGen] = useState(0);
  const [state, setState] = useState<{ data?: T; error?: unknown }>({});
  useEffect(() => {
    const ac = new AbortController();
    fn(ac.signal).then(
      (data) => !ac.signal.aborted && setState({ data }),
      (error: unknown) => !ac.signal.aborted && setState({ error }),
    );
    return () => ac.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [gen]);
  return { ...state, reload: useCallback(() => setGen((g) => g + 1), []) };
}

function TextArea({ label, value, onChange, max, rows = 3, required }: { label: string; value: string; onChange: (v: string) => void; max: number; rows?: number; required?: boolean }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <textarea id={id} value={value} rows={rows} maxLength={max} required={required} onChange={(e) => onChange(e.target.value)} />
    </div>
  );
}

/** The form of a new suggestion or of an edit. */
function SuggestionForm(props: { initial?: OwnSuggestion; submitLabel: string; onSubmit: (text: string, rationale: string) => Promise<boolean>; onCancel?: () => void; busy: boolean }) {
  const { t } = useTranslation();
  const [text, setText] = useState(props.initial?.text ?? '');
  const [rationale, setRationale] = useState(props.initial?.rationale ?? '');
  function submit(e: FormEvent) {
    e.preventDefault();
    void props.onSubmit(text, rationale).then((ok) => {
      if (ok && !props.initial) {
        setText('');
        setRationale('');
      }
    });
  }
  return (
    <form className="form suggestion-form" onSubmit={submit}>
      <TextArea label={t('round0.text')} value={text} onChange={setText} max={500} required />
      <TextArea label={t('round0.rationale')} value={rationale} onChange={setRationale} max={1000} rows={2} />
      <p>
        <button type="submit" className="button-primary" disabled={props.busy || text.trim() === ''}>
          {props.submitLabel}
        </button>{' '}
        {props.onCancel && (
          <button type="button" onClick={props.onCancel}>
            {t('round0.cancel')}
          </button>
        )}
      </p>
    </form>
  );
}

function OwnCard({ s, open, busy, onEdit, onWithdraw }: { s: OwnSuggestion; open: boolean; busy: boolean; onEdit: (text: string, rationale: string) => Promise<boolean>; onWithdraw: () => void }) {
  const { t } = useTranslation();
  const [editing, setEditing] = useState(false);
  const changeable = open && s.status === 'open';
  if (editing) {
    return (
      <li className="card suggestion">
        <SuggestionForm initial={s} busy={busy} submitLabel={t('round0.save')} onCancel={() => setEditing(false)} onSubmit={(a, b) => onEdit(a, b).then((ok) => (ok && setEditing(false), ok))} />
      </li>
    );
  }
  return (
    <li className="card suggestion" data-suggestion={s.id}>
      <p className="suggestion-text">{s.text}</p>
      {s.rationale && <p className="muted small suggestion-rationale">{s.rationale}</p>}
      {s.status !== 'open' && <p className="small">{t('round0.curatedAlready')}</p>}
      {changeable && (
        <p>
          <button type="button" onClick={() => setEditing(true)} disabled={busy}>
            {t('round0.edit')}
          </button>{' '}
          <button type="button" onClick={onWithdraw} disabled={busy}>
            {t('round0.withdraw')}
          </button>
        </p>
      )}
    </li>
  );
}

/**
 * Round 0 for an expert: per block, their own suggestions (edit, withdraw
 * while round 0 is open and they are not curated) and a form for one more,
 * up to the study's limit per block.
 */
export function Round0Page({ data, client = round0Api, decline }: { data: Participation; client?: Round0Api; decline: ReactNode }) {
  const { t, i18n } = useTranslation();
  const lang = baseLang(i18n.resolvedLanguage ?? i18n.language);
  const { survey, round } = data;
  const open = data.state === 'open';
  const title = localized(survey.title, lang);
  const mine = useLoad<MySuggestions>((signal) => client.mine(signal));
  const action = useAction();
  const act = async (fn: () => Promise<unknown>, notice: string) => {
    const ok = await action.run(fn, notice);
    if (ok) mine.reload();
    return ok;
  };
  const max = mine.data?.max_per_block ?? survey.round0?.max_suggestions_per_block ?? 5;
  const sections = mine.data?.blocks ?? [];
  return (
    <article className="round0">
      <title>{`${title} – ${t('app.name')}`}</title>
      <h1>{title}</h1>
      <p className="lead">{t('round0.intro', { max })}</p>
      {round?.deadline && (
        <p>
          {t('participation.deadline')}: {new Date(round.deadline).toLocaleString(lang, { timeZone: survey.time_zone, dateStyle: 'full', timeStyle: 'short' })}
        </p>
      )}
      {!open && <p className="alert">{t('round0.closed')}</p>}
      {action.error != null && (
        <div className="alert alert-error" role="alert">
          <p>{errorText(action.error, t)}</p>
        </div>
      )}
      <p role="status" className="muted small">
        {action.notice}
      </p>
      {mine.error != null && (
        <div className="alert alert-error" role="alert">
          <p>{errorText(mine.error, t)}</p>
        </div>
      )}
      {!mine.data && mine.error == null && <Loading />}
      {mine.data &&
        sections.map((sec) => {
          const own = mine.data!.suggestions.filter((s) => s.section_id === sec.id);
          const headingId = `r0-sec-${sec.id}`;
          return (
            <section key={sec.id} className="part round0-block" aria-labelledby={headingId}>
              <h2 id={headingId}>{localized(sec.title, lang) || sec.id}</h2>
              {localized(sec.description, lang) && <p>{localized(sec.description, lang)}</p>}
              <p className="muted small">{t('round0.count', { count: own.length, max })}</p>
              {own.length > 0 && (
                <ul className="suggestions">
                  {own.map((s) => (
                    <OwnCard
                      key={s.id}
                      s={s}
                      open={open}
                      busy={action.busy}
                      onEdit={(text, rationale) => act(() => client.edit(s.id, { text, rationale }), t('round0.saved'))}
                      onWithdraw={() => void act(() => client.withdraw(s.id), t('round0.withdrawn'))}
                    />
                  ))}
                </ul>
              )}
              {open && own.length < max && (
                <SuggestionForm
                  busy={action.busy}
                  submitLabel={t('round0.add')}
                  onSubmit={(text, rationale) => act(() => client.suggest({ section_id: sec.id, text, rationale }), t('round0.added'))}
                />
              )}
            </section>
          );
        })}
      {open && decline}
    </article>
  );
}

/** What became of one suggestion, in words. */
export function outcome(e: Round0SummaryEntry, t: TFunction, lang: string): string {
  const items = e.items.map((it) => `„${localized(it.text, lang) || it.id}“`).join(', ');
  switch (e.status) {
    case 'accepted':
      return t('round0.outcome.accepted', { items });
    case 'merged':
      return t('round0.outcome.merged', { items });
    case 'split':
      return t('round0.outcome.split', { items });
    case 'rejected':
      return t('round0.outcome.rejected', { reason: e.reason ?? '' });
    default:
      return t('round0.outcome.open');
  }
}

/**
 * The summary list of round 0 in the questionnaire of round 1 and later:
 * every suggestion (anonymous) and what became of it, by block.
 */
export function Round0Summary({ data, client = round0Api }: { data: Participation; client?: Round0Api }) {
  const { t, i18n } = useTranslation();
  const lang = baseLang(i18n.resolvedLanguage ?? i18n.language);
  const sum = useLoad<Round0Summary>((signal) => client.summary(signal));
  const titles = new Map(data.sections.map((s) => [s.id, localized(s.title, lang) || s.id]));
  const bySection = new Map<string, Round0SummaryEntry[]>();
  for (const e of sum.data?.entries ?? []) bySection.set(e.section_id, [...(bySection.get(e.section_id) ?? []), e]);
  return (
    <details className="round0-summary card">
      <summary>
        <h2>{t('round0.summaryTitle')}</h2>
      </summary>
      <p className="muted small">{t('round0.summaryIntro')}</p>
      {sum.error != null && (
        <div className="alert alert-error" role="alert">
          <p>{errorText(sum.error, t)}</p>
        </div>
      )}
      {sum.data && sum.data.entries.length === 0 && <p>{t('round0.summaryEmpty')}</p>}
      {[...bySection].map(([sec, entries]) => (
        <section key={sec} aria-label={titles.get(sec) ?? sec}>
          <h3>{titles.get(sec) ?? sec}</h3>
          <ul className="summary-list">
            {entries.map((e) => (
              <li key={e.id} data-suggestion={e.id}>
                <span className="suggestion-text">„{e.text}“</span>
                {e.own && <span className="badge">{t('round0.own')}</span>}
                {e.rationale && <div className="muted small">{e.rationale}</div>}
                <div className={`outcome outcome-${e.status}`}>{outcome(e, t, lang)}</div>
              </li>
            ))}
          </ul>
        </section>
      ))}
    </details>
  );
}
