import { useId, useState, type FormEvent, type ReactNode } from 'react';
import { useParams } from 'react-router';
import type { Survey } from '../api/types';
import { ErrorAlert, Loading } from '../components/ErrorAlert';
import { useStaff } from '../components/StaffLayout';
import { TableWrap } from '../components/TableWrap';
import { useAction, useApiData } from '../hooks';
import { useTranslation, type TFunction } from '../i18n';
import { StudyShell } from '../panel/StudyShell';
import { baseLang, localized } from '../text';
import { curationApi, type CurateRequest, type CuratedItem, type CurationApi, type CurationBoard, type Suggestion } from './api';
import './curation.css';

type Action = CurateRequest['action'];
type ItemType = 'rating' | 'text';

/** One item being made: its block, id, type, scale and wording per language. */
interface Draft {
  section: string;
  id: string;
  type: ItemType;
  scale: string;
  text: Record<string, string>;
}

function Field({ label, children }: { label: string; children: (id: string) => ReactNode }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children(id)}
    </div>
  );
}

function when(iso: string | undefined | null, lang: string): string {
  return iso ? new Date(iso).toLocaleString(lang, { dateStyle: 'medium', timeStyle: 'short' }) : '';
}

/**
 * The coordinators' curation of round 0 (its own page): every suggestion
 * with its author's pseudonym and group, the curation actions (accept,
 * merge, split with the new items as they are defined in a study; reject
 * with a reason), and the curated items with their provenance (reword,
 * discard). Researchers read.
 */
export function CurationPage({ client = curationApi }: { client?: CurationApi }) {
  const { id = '' } = useParams();
  return <StudyShell id={id}>{(survey) => <Curation survey={survey} client={client} />}</StudyShell>;
}

export default CurationPage;

function Curation({ survey, client }: { survey: Survey; client: CurationApi }) {
  const { t, i18n } = useTranslation();
  const lang = baseLang(i18n.resolvedLanguage ?? i18n.language);
  const { user } = useStaff();
  const loaded = useApiData((signal) => client.board(survey.id, signal), [survey.id]);
  const [board, setBoard] = useState<CurationBoard | undefined>(undefined);
  const action = useAction();
  const [selected, setSelected] = useState<string[]>([]);
  const data = board ?? loaded.data;
  const title = localized(survey.definition.title, lang) || survey.id;

  const step = async (fn: () => Promise<CurationBoard>) => {
    let next: CurationBoard | undefined;
    const ok = await action.run(async () => {
      next = await fn();
    }, t('round0.done'));
    if (ok && next) {
      setBoard(next);
      setSelected([]);
    }
    return ok;
  };

  const canWrite = user.role !== 'researcher' && !!data?.editable;
  return (
    <section className="curation">
      <title>{`${t('round0.curationTitle')} – ${title} – ${t('app.name')}`}</title>
      <h1>
        {t('round0.curationTitle')}: {title}
      </h1>
      <p className="muted">{t('round0.curationIntro')}</p>
      {loaded.loading && !data && <Loading />}
      {loaded.error != null && <ErrorAlert error={loaded.error} onRetry={loaded.reload} />}
      {action.error != null && <ErrorAlert error={action.error} />}
      <p role="status" className="muted small">
        {action.notice}
      </p>
      {data && (
        <>
          <p>
            {data.round0 ? t('round0.roundState', { status: t(`rounds.status_${data.round0.status}`) }) : t('round0.notPrepared')}
            {data.round0 && !data.editable && <> – {t('round0.frozen')}</>}
          </p>
          <Suggestions board={data} lang={lang} t={t} canWrite={canWrite} selected={selected} setSelected={setSelected} busy={action.busy}
            groupLabel={(g) => localized(survey.definition.groups?.find((x) => x.id === g)?.label, lang) || g}
            onReject={(sid, reason) => step(() => client.reject(survey.id, sid, reason))} />
          {canWrite && (
            <MakeForm key={selected.join(',')} board={data} lang={lang} selected={selected} busy={action.busy} onSubmit={(req) => step(() => client.curate(survey.id, req))} />
          )}
          <Curated board={data} lang={lang} t={t} canWrite={canWrite} busy={action.busy}
            onReword={(itemId, text, reason) => step(() => client.reword(survey.id, itemId, { text, reason }))}
            onDiscard={(itemId) => void step(() => client.discard(survey.id, itemId))} />
        </>
      )}
    </section>
  );
}

function sectionTitle(board: CurationBoard, id: string, lang: string): string {
  return localized(board.sections.find((s) => s.id === id)?.title, lang) || id;
}

function Suggestions(props: {
  board: CurationBoard;
  lang: string;
  t: TFunction;
  canWrite: boolean;
  selected: string[];
  setSelected: (ids: string[]) => void;
  busy: boolean;
  onReject: (sid: string, reason: string) => Promise<boolean>;
  groupLabel: (id: string) => string;
}) {
  const { board, lang, t, canWrite, selected, setSelected } = props;
  const [rejecting, setRejecting] = useState<string | null>(null);
  const [reason, setReason] = useState('');
  if (board.suggestions.length === 0) return <p>{t('round0.noSuggestions')}</p>;
  return (
    <>
      <h2>{t('round0.suggestions')}</h2>
      {board.sections.map((sec) => {
        const list = board.suggestions.filter((s) => s.section_id === sec.id);
        if (list.length === 0) return null;
        return (
          <section key={sec.id} aria-label={sectionTitle(board, sec.id, lang)}>
            <h3>{sectionTitle(board, sec.id, lang)}</h3>
            <TableWrap label={sectionTitle(board, sec.id, lang)}>
              <table className="suggestion-table">
                <thead>
                  <tr>
                    <th scope="col">ID</th>
                    <th scope="col">{t('round0.text')}</th>
                    <th scope="col">{t('round0.rationale')}</th>
                    <th scope="col">{t('rounds.status')}</th>
                    {canWrite && <th scope="col">{t('rounds.actions')}</th>}
                  </tr>
                </thead>
                <tbody>
                  {list.map((s: Suggestion) => (
                    <tr key={s.id} data-suggestion={s.id}>
                      <th scope="row">
                        {canWrite && s.status === 'open' && (
                          <input
                            type="checkbox"
                            aria-label={t('round0.select', { id: s.id })}
                            checked={selected.includes(s.id)}
                            onChange={(e) => setSelected(e.target.checked ? [...selected, s.id] : selected.filter((x) => x !== s.id))}
                          />
                        )}{' '}
                        {s.id}
                      </th>
                      <td>
                        <span className="suggestion-text">{s.text}</span>
                        <div className="muted small">{t('round0.author', { pseudonym: s.pseudonym, group: props.groupLabel(s.group) })}</div>
                      </td>
                      <td className="suggestion-rationale">{s.rationale}</td>
                      <td>
                        <span className="badge">{t(`round0.status.${s.status}`)}</span>
                        {s.items && s.items.length > 0 && <div className="small">{t('round0.becameItems', { items: s.items.join(', ') })}</div>}
                        {s.reason && <div className="small">{s.reason}</div>}
                      </td>
                      {canWrite && (
                        <td>
                          {s.status === 'open' && rejecting !== s.id && (
                            <button type="button" onClick={() => (setRejecting(s.id), setReason(''))}>
                              {t('round0.reject')}
                            </button>
                          )}
                          {rejecting === s.id && (
                            <form
                              className="form"
                              onSubmit={(e) => {
                                e.preventDefault();
                                void props.onReject(s.id, reason).then((ok) => ok && setRejecting(null));
                              }}
                            >
                              <Field label={t('round0.rejectReason')}>
                                {(id) => <textarea id={id} value={reason} rows={2} maxLength={5000} required onChange={(e) => setReason(e.target.value)} />}
                              </Field>
                              <button type="submit" className="button-primary" disabled={props.busy || reason.trim() === ''}>
                                {t('round0.rejectConfirm')}
                              </button>{' '}
                              <button type="button" onClick={() => setRejecting(null)}>
                                {t('round0.cancel')}
                              </button>
                            </form>
                          )}
                        </td>
                      )}
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableWrap>
          </section>
        );
      })}
    </>
  );
}

function newDraft(board: CurationBoard, selected: string[]): Draft {
  const first = board.suggestions.find((s) => s.id === selected[0]);
  const text: Record<string, string> = {};
  for (const l of board.languages) text[l] = first && l === board.languages[0] ? first.text : '';
  return { section: first?.section_id ?? board.sections[0]?.id ?? '', id: '', type: 'rating', scale: board.scales[0]?.id ?? '', text };
}

function MakeForm({ board, lang, selected, busy, onSubmit }: { board: CurationBoard; lang: string; selected: string[]; busy: boolean; onSubmit: (req: CurateRequest) => Promise<boolean> }) {
  const { t } = useTranslation();
  const [action, setAction] = useState<Action>(selected.length > 1 ? 'merge' : 'accept');
  const [drafts, setDrafts] = useState<Draft[]>(() => [newDraft(board, selected)]);
  const [reason, setReason] = useState('');
  const set = (i: number, patch: Partial<Draft>) => setDrafts(drafts.map((d, j) => (j === i ? { ...d, ...patch } : d)));
  const chooseAction = (a: Action) => {
    setAction(a);
    setDrafts(a === 'split' ? [newDraft(board, selected), newDraft(board, selected)] : [drafts[0] ?? newDraft(board, selected)]);
  };
  function submit(e: FormEvent) {
    e.preventDefault();
    void onSubmit({
      action,
      suggestions: selected,
      reason,
      items: drafts.map((d) => ({
        section_id: d.section,
        item: { id: d.id.trim(), type: d.type, text: d.text, ...(d.type === 'rating' ? { scale: d.scale } : {}) } as CurateRequest['items'][number]['item'],
      })),
    });
  }
  return (
    <section className="part" aria-labelledby="make-title">
      <h2 id="make-title">{t('round0.make')}</h2>
      {selected.length === 0 ? (
        <p className="muted">{t('round0.noneSelected')}</p>
      ) : (
        <form className="form" onSubmit={submit}>
          <p>{t('round0.selected', { ids: selected.join(', ') })}</p>
          <Field label={t('round0.actionLabel')}>
            {(id) => (
              <select id={id} value={action} onChange={(e) => chooseAction(e.target.value as Action)}>
                {(['accept', 'merge', 'split'] as const).map((a) => (
                  <option key={a} value={a}>
                    {t(`round0.actions.${a}`)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          {drafts.map((d, i) => (
            <fieldset key={i} className="card">
              <legend>{t('round0.itemN', { n: i + 1 })}</legend>
              <Field label={t('round0.block')}>
                {(id) => (
                  <select id={id} value={d.section} onChange={(e) => set(i, { section: e.target.value })}>
                    {board.sections.map((s) => (
                      <option key={s.id} value={s.id}>
                        {localized(s.title, lang) || s.id}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
              <Field label={t('round0.itemId')}>{(id) => <input id={id} type="text" value={d.id} maxLength={64} onChange={(e) => set(i, { id: e.target.value })} />}</Field>
              <Field label={t('round0.type')}>
                {(id) => (
                  <select id={id} value={d.type} onChange={(e) => set(i, { type: e.target.value as ItemType })}>
                    {(['rating', 'text'] as const).map((ty) => (
                      <option key={ty} value={ty}>
                        {t(`round0.types.${ty}`)}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
              {d.type === 'rating' && (
                <Field label={t('round0.scale')}>
                  {(id) => (
                    <select id={id} value={d.scale} onChange={(e) => set(i, { scale: e.target.value })}>
                      {board.scales.map((s) => (
                        <option key={s.id} value={s.id}>
                          {s.id}
                        </option>
                      ))}
                    </select>
                  )}
                </Field>
              )}
              {board.languages.map((l) => (
                <Field key={l} label={t('round0.wording', { language: l })}>
                  {(id) => <textarea id={id} value={d.text[l] ?? ''} rows={2} required onChange={(e) => set(i, { text: { ...d.text, [l]: e.target.value } })} />}
                </Field>
              ))}
            </fieldset>
          ))}
          {action === 'split' && (
            <p>
              <button type="button" onClick={() => setDrafts([...drafts, newDraft(board, selected)])}>
                {t('round0.addSplit')}
              </button>
            </p>
          )}
          <Field label={t('round0.reason')}>{(id) => <textarea id={id} value={reason} rows={2} maxLength={5000} onChange={(e) => setReason(e.target.value)} />}</Field>
          <p>
            <button type="submit" className="button-primary" disabled={busy}>
              {t('round0.make')}
            </button>
          </p>
        </form>
      )}
    </section>
  );
}

function Curated(props: {
  board: CurationBoard;
  lang: string;
  t: TFunction;
  canWrite: boolean;
  busy: boolean;
  onReword: (itemId: string, text: Record<string, string>, reason: string) => Promise<boolean>;
  onDiscard: (itemId: string) => void;
}) {
  const { board, lang, t } = props;
  return (
    <section className="part" aria-labelledby="curated-title">
      <h2 id="curated-title">{t('round0.curated')}</h2>
      {board.items.length === 0 && <p>{t('round0.noItems')}</p>}
      <ul className="suggestion-list">
        {board.items.map((ci) => (
          <CuratedCard key={ci.item.id} ci={ci} {...props} section={sectionTitle(board, ci.section_id, lang)} />
        ))}
      </ul>
    </section>
  );
}

function CuratedCard({ ci, board, lang, t, canWrite, busy, section, onReword, onDiscard }: Parameters<typeof Curated>[0] & { ci: CuratedItem; section: string }) {
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState<Record<string, string>>({ ...(ci.item.text as Record<string, string>) });
  const [reason, setReason] = useState('');
  return (
    <li className="card curated-item" data-item={ci.item.id}>
      <h3>
        {ci.item.id}: {localized(ci.item.text, lang)}
      </h3>
      <p className="muted small">
        {section} · {t('round0.sources', { ids: ci.sources.join(', ') })}
      </p>
      <ul className="history">
        {ci.history.map((h, i) => (
          <li key={i}>
            {t('round0.historyEntry', { action: t(`round0.action.${h.action}`), date: when(h.at, lang) })}
            {h.reason && <>: {h.reason}</>}
          </li>
        ))}
      </ul>
      {canWrite && !editing && (
        <p>
          <button type="button" onClick={() => setEditing(true)} disabled={busy}>
            {t('round0.reword')}
          </button>{' '}
          <button type="button" onClick={() => onDiscard(ci.item.id)} disabled={busy}>
            {t('round0.discard')}
          </button>
        </p>
      )}
      {editing && (
        <form
          className="form"
          onSubmit={(e) => {
            e.preventDefault();
            void onReword(ci.item.id, text, reason).then((ok) => ok && setEditing(false));
          }}
        >
          {board.languages.map((l) => (
            <Field key={l} label={t('round0.wording', { language: l })}>
              {(id) => <textarea id={id} value={text[l] ?? ''} rows={2} required onChange={(e) => setText({ ...text, [l]: e.target.value })} />}
            </Field>
          ))}
          <Field label={t('round0.reason')}>{(id) => <textarea id={id} value={reason} rows={2} required maxLength={5000} onChange={(e) => setReason(e.target.value)} />}</Field>
          <button type="submit" className="button-primary" disabled={busy}>
            {t('round0.rewordSave')}
          </button>{' '}
          <button type="button" onClick={() => setEditing(false)}>
            {t('round0.cancel')}
          </button>
        </form>
      )}
    </li>
  );
}
