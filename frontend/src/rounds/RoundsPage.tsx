import { useId, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from '../i18n';
import { Link, useParams } from 'react-router';
import { roundPlanCarry_overModeValues as carryModes } from '../api/schema';
import type { Definition, Item, Round } from '../api/types';
import { ErrorAlert, Loading } from '../components/ErrorAlert';
import { useStaff } from '../components/StaffLayout';
import { Round0Note } from '../curation/Round0Note';
import { label } from '../format';
import { baseLang, localized } from '../text';
import { roundsApi } from './api';
import {
  datesBody,
  newItemDraft,
  prepareBody,
  textsOf,
  usePrepare,
  useRoundActions,
  useRoundsPage,
  type CarryMode,
  type NewItemDraft,
  type Run,
} from './roundsState';
import { fromZonedInput, toZonedInput } from './zone';
import { TableWrap } from '../components/TableWrap';

/** A date-time in the study's time zone. */
function inZone(iso: string | null | undefined, lang: string, timeZone: string): string {
  if (!iso) return '–';
  try {
    return new Intl.DateTimeFormat(lang, {
      day: '2-digit',
      month: '2-digit',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      timeZone,
      timeZoneName: 'short',
    }).format(new Date(iso));
  } catch {
    return iso;
  }
}

/**
 * The coordinators' round management: the rounds with status and dates;
 * round 1, or the next round prepared from the last closed one (carry-over,
 * a new item, changed wording with a reason); open, close, reopen with a
 * reason, and new dates. Researchers read.
 */
export function RoundsPage() {
  const { id = '' } = useParams();
  const { t, i18n } = useTranslation();
  const lang = baseLang(i18n.resolvedLanguage);
  const { user } = useStaff();
  const writer = user.role !== 'researcher';
  const { data, error, loading, reload, run, actionError, notice } = useRoundsPage(id);

  const title = data ? localized(data.survey.definition.title, lang) || id : id;
  return (
    <>
      <p className="back">
        <Link to={`/surveys/${encodeURIComponent(id)}`}>
          <span aria-hidden="true">← </span>
          {t('rounds.back')}
        </Link>
      </p>
      <title>{`${t('rounds.title')} – ${title} – ${t('app.name')}`}</title>
      <h1>
        {t('rounds.title')}: {title}
      </h1>
      {loading && !data && <Loading />}
      {error != null && <ErrorAlert error={error} onRetry={reload} />}
      {actionError != null && <ErrorAlert error={actionError} />}
      <p role="status" className="muted small">
        {notice}
      </p>
      {data && (
        <>
          <p className="muted">{t('rounds.intro', { zone: data.list.time_zone })}</p>
          <RoundTable
            rounds={data.list.rounds}
            zone={data.list.time_zone}
            lang={lang}
            writer={writer}
            run={run}
            surveyId={id}
            latest={data.latest}
          />
          {data.survey.definition.rounds.round0?.enabled && (
            <Round0Note surveyId={id} rounds={data.list.rounds} writer={writer} />
          )}
          {writer && (data.list.rounds.length === 0 || data.latest?.status === 'closed') && (
            <PrepareForm
              key={data.list.rounds.length}
              surveyId={id}
              def={data.survey.definition}
              latest={data.latest?.number === 0 ? undefined : data.latest}
              zone={data.list.time_zone}
              lang={lang}
              run={run}
            />
          )}
        </>
      )}
    </>
  );
}

export default RoundsPage;

function RoundTable(props: { rounds: Round[]; zone: string; lang: string; writer: boolean; run: Run; surveyId: string; latest: Round | undefined }) {
  const { rounds, zone, lang, writer, run, surveyId, latest } = props;
  const { t } = useTranslation();
  if (rounds.length === 0) return <p>{t('rounds.none')}</p>;
  return (
    <TableWrap>
      <table className="rounds-table">
        <thead>
          <tr>
            <th scope="col">{t('rounds.number')}</th>
            <th scope="col">{t('rounds.status')}</th>
            <th scope="col">{t('rounds.opensAt')}</th>
            <th scope="col">{t('rounds.deadline')}</th>
            <th scope="col">{t('rounds.items')}</th>
            {writer && <th scope="col">{t('rounds.actions')}</th>}
          </tr>
        </thead>
        <tbody>
          {rounds.map((r) => (
            <tr key={r.number} data-round={r.number}>
              <th scope="row">{r.number}</th>
              <td>
                <span className={`badge status-${r.status === 'open' ? 'active' : r.status}`}>{label(t, 'rounds', `status_${r.status}`)}</span>
                {r.closed_at && (
                  <div className="muted small">
                    {t('rounds.closedAt')}: {inZone(r.closed_at, lang, zone)}
                  </div>
                )}
                {r.snapshot_at && <div className="muted small">{t('rounds.snapshot', { date: inZone(r.snapshot_at, lang, zone) })}</div>}
                {latest?.number === r.number && latest.responses && (
                  <div className="muted small">{t('rounds.participation', latest.responses)}</div>
                )}
              </td>
              <td>{inZone(r.opens_at, lang, zone)}</td>
              <td>{inZone(r.deadline, lang, zone)}</td>
              <td>
                {Object.values(r.origins ?? {}).reduce((a, b) => a + b, 0)}
                <div className="muted small">
                  {t('rounds.origins', {
                    initial: r.origins?.initial ?? 0,
                    carried: r.origins?.carried ?? 0,
                    changed: r.origins?.changed ?? 0,
                    new: r.origins?.new ?? 0,
                  })}
                </div>
              </td>
              {writer && (
                <td>
                  <RoundActions round={r} zone={zone} run={run} surveyId={surveyId} isLatest={latest?.number === r.number} />
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}

function RoundActions({ round: r, zone, run, surveyId, isLatest }: { round: Round; zone: string; run: Run; surveyId: string; isLatest: boolean }) {
  const { t } = useTranslation();
  const [{ form, reason, opensAt, deadline }, dispatch] = useRoundActions(r, zone);
  const setForm = (f: typeof form) => dispatch({ type: 'form', form: f });
  const set = (field: 'reason' | 'opensAt' | 'deadline') => (value: string) => dispatch({ type: 'set', field, value });
  const rid = useId();
  const done = (ok: boolean) => ok && setForm('');
  return (
    <div className="round-actions">
      {r.status === 'draft' && (
        <button type="button" className="button-primary" onClick={() => void run(() => roundsApi.open(surveyId, r.number))}>
          {t('rounds.open')}
        </button>
      )}
      {r.status === 'open' && (
        <button type="button" onClick={() => setForm('close')}>
          {t('rounds.close')}
        </button>
      )}
      {r.status !== 'closed' && (
        <button type="button" onClick={() => setForm('dates')}>
          {t('rounds.editDates')}
        </button>
      )}
      {r.status === 'closed' && isLatest && (
        <button type="button" onClick={() => setForm('reopen')}>
          {t('rounds.reopen')}
        </button>
      )}
      {form === 'close' && (
        <div className="card" role="group" aria-label={t('rounds.close')}>
          <p>{t('rounds.closeConfirm', { round: r.number })}</p>
          <button type="button" className="button-primary" onClick={() => void run(() => roundsApi.close(surveyId, r.number)).then(done)}>
            {t('rounds.close')}
          </button>{' '}
          <button type="button" onClick={() => setForm('')}>
            {t('rounds.cancel')}
          </button>
        </div>
      )}
      {form === 'dates' && (
        <form
          className="form card"
          aria-label={t('rounds.editDates')}
          onSubmit={(e) => {
            e.preventDefault();
            void run(() => roundsApi.update(surveyId, r.number, datesBody(opensAt, deadline, zone))).then(done);
          }}
        >
          <DateField label={t('rounds.opensAt')} value={opensAt} onChange={set('opensAt')} />
          <DateField label={t('rounds.deadline')} value={deadline} onChange={set('deadline')} />
          <p>
            <button type="submit" className="button-primary">
              {t('rounds.save')}
            </button>{' '}
            <button type="button" onClick={() => setForm('')}>
              {t('rounds.cancel')}
            </button>
          </p>
        </form>
      )}
      {form === 'reopen' && (
        <form
          className="form card"
          aria-label={t('rounds.reopen')}
          onSubmit={(e) => {
            e.preventDefault();
            void run(() => roundsApi.reopen(surveyId, r.number, reason, fromZonedInput(deadline, zone))).then(done);
          }}
        >
          <div className="field">
            <label htmlFor={rid}>{t('rounds.reason')}</label>
            <textarea id={rid} required value={reason} onChange={(e) => set('reason')(e.target.value)} rows={2} />
          </div>
          <DateField label={t('rounds.newDeadline')} value={deadline} onChange={set('deadline')} />
          <p>
            <button type="submit" className="button-primary">
              {t('rounds.reopen')}
            </button>{' '}
            <button type="button" onClick={() => setForm('')}>
              {t('rounds.cancel')}
            </button>
          </p>
        </form>
      )}
    </div>
  );
}

function DateField({ label: text, value, onChange, required, min }: { label: string; value: string; onChange: (v: string) => void; required?: boolean; min?: string }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{text}</label>
      <input id={id} type="datetime-local" value={value} required={required} min={min} onChange={(e) => onChange(e.target.value)} />
    </div>
  );
}

function TextField(props: { label: string; value: string; onChange: (v: string) => void; required?: boolean; multiline?: boolean }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      {props.multiline ? (
        <textarea id={id} rows={2} value={props.value} required={props.required} onChange={(e) => props.onChange(e.target.value)} />
      ) : (
        <input id={id} value={props.value} required={props.required} onChange={(e) => props.onChange(e.target.value)} />
      )}
    </div>
  );
}

function Select(props: { label: string; value: string; onChange: (v: string) => void; children: ReactNode }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <select id={id} value={props.value} onChange={(e) => props.onChange(e.target.value)}>
        {props.children}
      </select>
    </div>
  );
}

/** Round 1 from the definition, or the next round from the last closed one. */
function PrepareForm({ surveyId, def, latest, zone, lang, run }: { surveyId: string; def: Definition; latest: Round | undefined; zone: string; lang: string; run: Run }) {
  const { t } = useTranslation();
  const next = (latest?.number ?? 0) + 1;
  const langs = def.languages ?? ['de'];
  const prevItems = latest?.items ?? [];
  const [state, dispatch] = usePrepare(def, latest);
  const { opensAt, deadline, mode, chosen, newItems, changes } = state;
  const itemName = (it: Item) => `${it.id} – ${localized(it.text, lang)}`;

  function submit(e: FormEvent) {
    e.preventDefault();
    void run(() => roundsApi.prepare(surveyId, prepareBody(state, !!latest, zone)));
  }

  return (
    <section className="part" aria-labelledby="prepare-title">
      <h2 id="prepare-title">{latest ? t('rounds.prepareNext', { round: next }) : t('rounds.createFirst')}</h2>
      {!latest && <p className="muted">{t('rounds.createFirstIntro')}</p>}
      <form className="form" onSubmit={submit}>
        <DateField label={t('rounds.opensAt')} value={opensAt} onChange={(value) => dispatch({ type: 'set', field: 'opensAt', value })} />
        {/* The server refuses a round without a future deadline: such a draft could never be opened. */}
        <DateField
          label={t('rounds.deadline')}
          value={deadline}
          required
          min={toZonedInput(new Date().toISOString(), zone)}
          onChange={(value) => dispatch({ type: 'set', field: 'deadline', value })}
        />
        {latest && (
          <>
            <Select label={t('rounds.carryOver')} value={mode} onChange={(v) => dispatch({ type: 'mode', mode: v as CarryMode })}>
              {carryModes.map((m) => (
                <option key={m} value={m}>
                  {label(t, 'rounds.carry', m)} ({t('rounds.carryCount', { count: m === 'chosen' ? chosen.length : (latest.carry_over?.[m] ?? 0) })})
                </option>
              ))}
            </Select>
            <p className="muted small" role="status">
              {t('rounds.carryTakes', { count: mode === 'chosen' ? chosen.length : (latest.carry_over?.[mode] ?? 0), from: latest.number })}
            </p>
            {mode === 'chosen' && (
              <fieldset>
                <legend>{t('rounds.chooseItems')}</legend>
                <ul className="check-list">
                  {prevItems.map((ri) => (
                    <li key={ri.item.id}>
                      <label>
                        <input
                          type="checkbox"
                          checked={chosen.includes(ri.item.id)}
                          onChange={(e) => dispatch({ type: 'choose', itemId: ri.item.id, on: e.target.checked })}
                        />{' '}
                        {itemName(ri.item)}
                      </label>
                    </li>
                  ))}
                </ul>
              </fieldset>
            )}
            {newItems.map((n, i) => {
              const set = (patch: Partial<NewItemDraft>) => dispatch({ type: 'item', index: i, patch });
              return (
                <fieldset key={i} className="card">
                  <legend>{t('rounds.addItem')}</legend>
                  <Select label={t('rounds.section')} value={n.section} onChange={(v) => set({ section: v })}>
                    {(def.sections ?? []).map((s) => (
                      <option key={s.id} value={s.id}>
                        {localized(s.title, lang) || s.id}
                      </option>
                    ))}
                  </Select>
                  <TextField label={t('rounds.itemId')} value={n.id} onChange={(v) => set({ id: v })} required />
                  <Select label={t('rounds.itemType')} value={n.type} onChange={(v) => set({ type: v as NewItemDraft['type'] })}>
                    <option value="rating">{label(t, 'item.type', 'rating')}</option>
                    <option value="text">{label(t, 'item.type', 'text')}</option>
                  </Select>
                  {n.type === 'rating' && (
                    <Select label={t('rounds.itemScale')} value={n.scale} onChange={(v) => set({ scale: v })}>
                      {(def.scales ?? []).map((s) => (
                        <option key={s.id} value={s.id}>
                          {s.id}
                        </option>
                      ))}
                    </Select>
                  )}
                  {langs.map((l) => (
                    <TextField
                      key={l}
                      label={t('rounds.textIn', { language: label(t, 'languageNames', l) })}
                      value={n.text[l] ?? ''}
                      onChange={(v) => set({ text: { ...n.text, [l]: v } })}
                      required
                      multiline
                    />
                  ))}
                  <TextField label={t('rounds.reason')} value={n.reason} onChange={(v) => set({ reason: v })} multiline />
                  <button type="button" onClick={() => dispatch({ type: 'removeItem', index: i })}>
                    {t('rounds.remove')}
                  </button>
                </fieldset>
              );
            })}
            {changes.map((c, i) => {
              const set = (patch: Partial<(typeof changes)[number]>) => dispatch({ type: 'change', index: i, patch });
              return (
                <fieldset key={i} className="card">
                  <legend>{t('rounds.editWording')}</legend>
                  <Select
                    label={t('rounds.chooseItem')}
                    value={c.itemId}
                    onChange={(v) => {
                      const it = prevItems.find((ri) => ri.item.id === v)?.item;
                      set({ itemId: v, text: textsOf(it, langs) });
                    }}
                  >
                    {prevItems.map((ri) => (
                      <option key={ri.item.id} value={ri.item.id}>
                        {itemName(ri.item)}
                      </option>
                    ))}
                  </Select>
                  {langs.map((l) => (
                    <TextField
                      key={l}
                      label={t('rounds.textIn', { language: label(t, 'languageNames', l) })}
                      value={c.text[l] ?? ''}
                      onChange={(v) => set({ text: { ...c.text, [l]: v } })}
                      required
                      multiline
                    />
                  ))}
                  <TextField label={t('rounds.reason')} value={c.reason} onChange={(v) => set({ reason: v })} required multiline />
                  <button type="button" onClick={() => dispatch({ type: 'removeChange', index: i })}>
                    {t('rounds.remove')}
                  </button>
                </fieldset>
              );
            })}
            <p>
              <button
                type="button"
                onClick={() => dispatch({ type: 'addItem', draft: newItemDraft(def, langs) })}
              >
                {t('rounds.addItem')}
              </button>{' '}
              {prevItems.length > 0 && (
                <button
                  type="button"
                  onClick={() => {
                    const first = prevItems[0]!.item;
                    dispatch({ type: 'addChange', draft: { itemId: first.id, text: textsOf(first, langs), reason: '' } });
                  }}
                >
                  {t('rounds.editWording')}
                </button>
              )}
            </p>
          </>
        )}
        <p>
          <button type="submit" className="button-primary">
            {latest ? t('rounds.create') : t('rounds.createFirst')}
          </button>
        </p>
      </form>
    </section>
  );
}
