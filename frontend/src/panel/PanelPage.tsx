import { useId, useState, type FormEvent } from 'react';
import { useTranslation, type TFunction } from '../i18n';
import { Link, useParams } from 'react-router';
import { ErrorAlert, Loading } from '../components/ErrorAlert';
import { formatDateTime, label } from '../format';
import type { Expert, ExpertInput, Survey } from '../api/types';
import { useAction, useApiData } from '../hooks';
import { roundsApi } from '../rounds/api';
import { baseLang, localized } from '../text';
import { panelApi } from './api';
import { ImportDialog } from './ImportDialog';
import { FormActions, Modal } from './Modal';
import { expertBody, ROUND_STATUSES, STATUSES, studyLanguages, useExpertForm, usePanel } from './panelState';
import { StudyShell } from './StudyShell';
import './panel.css';
import { TableWrap } from '../components/TableWrap';

/** The expert panel of a study: list with filters, import, single edits, links. */
export function PanelPage() {
  const { id = '' } = useParams();
  return <StudyShell id={id}>{(survey) => <PanelWithRound survey={survey} />}</StudyShell>;
}

/** The panel with its round filter on the current (latest) round; on none while there is no round. */
function PanelWithRound({ survey }: { survey: Survey }) {
  const rounds = useApiData((signal) => roundsApi.list(survey.id, signal), [survey.id]);
  if (rounds.loading && !rounds.data && rounds.error == null) return <Loading />;
  const current = rounds.data?.rounds[rounds.data.rounds.length - 1]?.number ?? 0;
  return <PanelView survey={survey} initialRound={current} />;
}

export default PanelPage;

export function PanelView({ survey, initialRound = 0 }: { survey: Survey; initialRound?: number }) {
  const { t, i18n } = useTranslation();
  const lang = baseLang(i18n.resolvedLanguage);
  const def = survey.definition;
  const groups = def.groups ?? [];
  const groupLabel = (g: string) => localized(groups.find((x) => x.id === g)?.label, lang) || g;
  const { state, dispatch, list, act } = usePanel(survey.id, initialRound);
  const { group, status, round, dialog, notice, actionError } = state;
  const setDialog = (d: typeof dialog) => dispatch({ type: 'dialog', dialog: d });
  /** A dialog's action succeeded: it closes, the notice says so, the list reloads. */
  const done = (text: string) => {
    dispatch({ type: 'done', notice: text });
    list.reload();
  };
  const ids = { group: useId(), status: useId(), round: useId() };
  const planned = Math.max(def.rounds?.planned ?? 1, 1);

  const title = localized(def.title, lang) || survey.id;
  const experts = list.data?.experts ?? [];
  return (
    <article className="panel-page">
      <title>{`${t('panel.title')} – ${title} – ${t('app.name')}`}</title>
      <h1>{t('panel.title')}</h1>
      <p className="lead">{title}</p>
      <p>
        <Link to={`/surveys/${encodeURIComponent(survey.id)}/rounds/${round || 1}/invitations`}>{t('panel.toInvitations')}</Link>
      </p>

      <div className="toolbar" role="group" aria-label={t('panel.actions')}>
        <button type="button" className="button-primary" onClick={() => setDialog({ kind: 'add' })}>
          {t('panel.add')}
        </button>
        <button type="button" onClick={() => setDialog({ kind: 'import' })}>
          {t('panel.importButton')}
        </button>
        <button type="button" onClick={() => void act(() => panelApi.exportPanel(survey.id, 'csv', lang))}>
          {t('panel.exportCsv')}
        </button>
        <button type="button" onClick={() => void act(() => panelApi.exportPanel(survey.id, 'xlsx', lang))}>
          {t('panel.exportXlsx')}
        </button>
        <button type="button" onClick={() => setDialog({ kind: 'links' })}>
          {t('panel.links.button')}
        </button>
      </div>
      <p className="muted small">{t('panel.exportNote')}</p>

      <form className="filters" role="search" aria-label={t('panel.filters')} onSubmit={(e) => e.preventDefault()}>
        <div className="field">
          <label htmlFor={ids.group}>{t('panel.fields.group')}</label>
          <select id={ids.group} value={group} onChange={(e) => dispatch({ type: 'filter', group: e.target.value })}>
            <option value="">{t('panel.allGroups')}</option>
            {groups.map((g) => (
              <option key={g.id} value={g.id}>
                {localized(g.label, lang) || g.id}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.round}>{t('panel.roundFilter')}</label>
          <select id={ids.round} value={round} onChange={(e) => dispatch({ type: 'filter', round: Number(e.target.value) })}>
            <option value={0}>{t('panel.noRound')}</option>
            {Array.from({ length: planned }, (_, i) => (
              <option key={i + 1} value={i + 1}>
                {t('panel.round', { n: i + 1 })}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.status}>{t('panel.fields.status')}</label>
          <select id={ids.status} value={status} onChange={(e) => dispatch({ type: 'filter', status: e.target.value })}>
            <option value="">{t('panel.allStatuses')}</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {label(t, 'panel.statuses', s)}
              </option>
            ))}
            {round > 0 &&
              ROUND_STATUSES.map((s) => (
                <option key={s} value={s}>
                  {label(t, 'panel.progress', s)}
                </option>
              ))}
          </select>
        </div>
      </form>

      {notice && (
        <p className="alert alert-ok" role="status">
          {notice}
        </p>
      )}
      {actionError != null && <ErrorAlert error={actionError} />}
      {list.loading && !list.data && <Loading />}
      {list.error != null && <ErrorAlert error={list.error} onRetry={list.reload} />}
      {list.data && (
        <>
          <p role="status" className="count">
            {t('panel.count', { shown: experts.length, total: list.data.total })}
          </p>
          {experts.length === 0 ? (
            <p className="muted">{list.data.total === 0 ? t('panel.empty') : t('panel.noMatch')}</p>
          ) : (
            <TableWrap>
              <table className="panel-table">
                <caption className="visually-hidden">{t('panel.tableCaption')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('panel.fields.pseudonym')}</th>
                    <th scope="col">{t('panel.fields.name')}</th>
                    <th scope="col">{t('panel.fields.email')}</th>
                    <th scope="col">{t('panel.fields.organisation')}</th>
                    <th scope="col">{t('panel.fields.group')}</th>
                    <th scope="col">{t('panel.fields.language')}</th>
                    <th scope="col">{t('panel.fields.status')}</th>
                    {round > 0 && <th scope="col">{t('panel.roundStatus', { n: round })}</th>}
                    <th scope="col">{t('panel.actions')}</th>
                  </tr>
                </thead>
                <tbody>
                  {experts.map((x) => (
                    <tr key={x.id} className={x.status === 'erased' ? 'muted' : undefined}>
                      <th scope="row">
                        <code>{x.pseudonym}</code>
                      </th>
                      <td>{x.name}</td>
                      <td>{x.email}</td>
                      <td>{x.organisation}</td>
                      <td>{groupLabel(x.group)}</td>
                      <td>{label(t, 'languageNames', x.language)}</td>
                      <td>{label(t, 'panel.statuses', x.status)}</td>
                      {round > 0 && <td>{roundText(x, t, lang)}</td>}
                      <td>
                        <div className="row-actions">
                        {x.status !== 'erased' && (
                          <>
                            <button type="button" className="button-secondary" onClick={() => setDialog({ kind: 'edit', expert: x })}>
                              {t('panel.edit')}
                              <span className="visually-hidden"> {x.pseudonym}</span>
                            </button>
                            <button type="button" className="button-secondary" onClick={() => setDialog({ kind: 'link', expert: x })}>
                              {t('panel.copyLink')}
                              <span className="visually-hidden"> {x.pseudonym}</span>
                            </button>
                            <button type="button" className="button-secondary" onClick={() => setDialog({ kind: 'erase', expert: x })}>
                              {t('panel.erase')}
                              <span className="visually-hidden"> {x.pseudonym}</span>
                            </button>
                          </>
                        )}
                        </div>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableWrap>
          )}
        </>
      )}

      {dialog?.kind === 'import' && (
        <ImportDialog
          surveyId={survey.id}
          groupLabel={groupLabel}
          onClose={() => setDialog(null)}
          onImported={() => list.reload()}
        />
      )}
      {(dialog?.kind === 'add' || dialog?.kind === 'edit') && (
        <ExpertForm
          survey={survey}
          expert={dialog.kind === 'edit' ? dialog.expert : undefined}
          onClose={() => setDialog(null)}
          onSaved={(x) => done(t(dialog.kind === 'add' ? 'panel.added' : 'panel.saved', { pseudonym: x.pseudonym }))}
        />
      )}
      {dialog?.kind === 'erase' && (
        <Confirm
          title={t('panel.eraseTitle', { pseudonym: dialog.expert.pseudonym })}
          text={t('panel.eraseText', { name: dialog.expert.name || dialog.expert.email })}
          confirm={t('panel.eraseConfirm')}
          onClose={() => setDialog(null)}
          onConfirm={async () => {
            await panelApi.erase(survey.id, dialog.expert.id);
            done(t('panel.erased', { pseudonym: dialog.expert.pseudonym }));
          }}
        />
      )}
      {dialog?.kind === 'link' && !dialog.link && (
        <Confirm
          title={t('panel.linkTitle', { pseudonym: dialog.expert.pseudonym })}
          text={t('panel.linkText')}
          confirm={t('panel.linkConfirm')}
          onClose={() => setDialog(null)}
          onConfirm={async () => {
            const r = await panelApi.issueLink(survey.id, dialog.expert.id);
            setDialog({ ...dialog, link: r.link });
            list.reload();
          }}
        />
      )}
      {dialog?.kind === 'link' && dialog.link && (
        <LinkDialog pseudonym={dialog.expert.pseudonym} link={dialog.link} onClose={() => setDialog(null)} />
      )}
      {dialog?.kind === 'links' && (
        <LinksDialog
          groups={groups.map((g) => ({ id: g.id, label: localized(g.label, lang) || g.id }))}
          onClose={() => setDialog(null)}
          onDownload={async (format, g) => {
            await panelApi.downloadLinks(survey.id, format, lang, g || undefined);
            done(t('panel.links.done'));
          }}
        />
      )}
    </article>
  );
}

function roundText(x: Expert, t: TFunction, lang: string): string {
  const r = x.round;
  if (!r) return '';
  const parts: string[] = [];
  if (r.submitted_at) parts.push(t('panel.rs.submitted', { at: formatDateTime(r.submitted_at, lang) }));
  else if (r.started_at) parts.push(t('panel.rs.started', { at: formatDateTime(r.last_activity_at ?? r.started_at, lang) }));
  else if (r.first_opened_at) parts.push(t('panel.rs.opened', { at: formatDateTime(r.first_opened_at, lang) }));
  if (r.invite) parts.push(label(t, 'panel.sendStatus', r.invite));
  else parts.push(t('panel.rs.notInvited'));
  if (r.reminders > 0) parts.push(t('panel.rs.reminders', { count: r.reminders }));
  if (x.declined_at) parts.push(t('panel.statuses.declined'));
  return parts.join(' · ');
}

/** Add or edit one expert. */
function ExpertForm({ survey, expert, onClose, onSaved }: { survey: Survey; expert?: Expert; onClose: () => void; onSaved: (x: Expert) => void }) {
  const { t, i18n } = useTranslation();
  const lang = baseLang(i18n.resolvedLanguage);
  const fid = useId();
  const [v, setV] = useExpertForm(survey, expert);
  const { busy, error, run } = useAction();
  const set = (k: keyof ExpertInput) => (e: { target: { value: string } }) => setV({ [k]: e.target.value });

  function submit(e: FormEvent) {
    e.preventDefault();
    void run(async () => {
      const body = expertBody(v, !expert);
      onSaved(expert ? await panelApi.update(survey.id, expert.id, body) : await panelApi.create(survey.id, body));
    });
  }

  return (
    <Modal title={expert ? t('panel.editTitle', { pseudonym: expert.pseudonym }) : t('panel.addTitle')} onClose={onClose}>
      <form onSubmit={submit} className="expert-form">
        <div className="field">
          <label htmlFor={`${fid}-name`}>{t('panel.fields.name')}</label>
          <input id={`${fid}-name`} value={v.name} onChange={set('name')} maxLength={200} autoComplete="off" />
        </div>
        <div className="field">
          <label htmlFor={`${fid}-email`}>{t('panel.fields.email')}</label>
          <input id={`${fid}-email`} type="email" required value={v.email} onChange={set('email')} autoComplete="off" />
        </div>
        <div className="field">
          <label htmlFor={`${fid}-org`}>{t('panel.fields.organisation')}</label>
          <input id={`${fid}-org`} value={v.organisation} onChange={set('organisation')} maxLength={200} />
        </div>
        <div className="field">
          <label htmlFor={`${fid}-group`}>{t('panel.fields.group')}</label>
          <select id={`${fid}-group`} value={v.group} onChange={set('group')}>
            {(survey.definition.groups ?? []).map((g) => (
              <option key={g.id} value={g.id}>
                {localized(g.label, lang) || g.id}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${fid}-lang`}>{t('panel.fields.language')}</label>
          <select id={`${fid}-lang`} value={v.language} onChange={set('language')}>
            {studyLanguages(survey).map((l) => (
              <option key={l} value={l}>
                {label(t, 'languageNames', l)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${fid}-notes`}>{t('panel.fields.notes')}</label>
          <textarea id={`${fid}-notes`} value={v.notes} onChange={set('notes')} maxLength={2000} rows={3} />
        </div>
        {expert && (
          <div className="field-check">
            <input id={`${fid}-declined`} type="checkbox" checked={!!v.declined} onChange={(e) => setV({ declined: e.target.checked })} />
            <label htmlFor={`${fid}-declined`}>{t('panel.declinedCheck')}</label>
          </div>
        )}
        <FormActions error={error} busy={busy} submit={busy ? t('panel.saving') : t('panel.save')} onClose={onClose} />
      </form>
    </Modal>
  );
}

/** A confirmation with an async action; errors stay in the dialog. */
export function Confirm({
  title,
  text,
  confirm,
  onClose,
  onConfirm,
}: {
  title: string;
  text: string;
  confirm: string;
  onClose: () => void;
  onConfirm: () => Promise<void>;
}) {
  const { t } = useTranslation();
  const { busy, error, run } = useAction();
  return (
    <Modal title={title} onClose={onClose}>
      <p>{text}</p>
      {error != null && <ErrorAlert error={error} />}
      <div className="modal-actions">
        <button
          type="button"
          className="button-primary"
          disabled={busy}
          onClick={() => void run(onConfirm)}
        >
          {confirm}
        </button>
        <button type="button" className="button-secondary" onClick={onClose}>
          {t('panel.cancel')}
        </button>
      </div>
    </Modal>
  );
}

function LinkDialog({ pseudonym, link, onClose }: { pseudonym: string; link: string; onClose: () => void }) {
  const { t } = useTranslation();
  const id = useId();
  const [copied, setCopied] = useState(false);
  return (
    <Modal title={t('panel.linkReady', { pseudonym })} onClose={onClose}>
      <div className="field">
        <label htmlFor={id}>{t('panel.linkLabel')}</label>
        <input id={id} readOnly value={link} onFocus={(e) => e.target.select()} />
      </div>
      <p className="muted small">{t('panel.linkOnce')}</p>
      <p role="status">{copied ? t('panel.copied') : ''}</p>
      <div className="modal-actions">
        <button
          type="button"
          className="button-primary"
          onClick={() => {
            void navigator.clipboard?.writeText(link).then(() => setCopied(true), () => setCopied(false));
          }}
        >
          {t('panel.copy')}
        </button>
        <button type="button" className="button-secondary" onClick={onClose}>
          {t('panel.close')}
        </button>
      </div>
    </Modal>
  );
}

export function LinksDialog({
  groups,
  onClose,
  onDownload,
}: {
  groups: { id: string; label: string }[];
  onClose: () => void;
  onDownload: (format: 'csv' | 'xlsx', group: string) => Promise<void>;
}) {
  const { t } = useTranslation();
  const id = useId();
  const [group, setGroup] = useState('');
  const { busy, error, run } = useAction();
  const go = (format: 'csv' | 'xlsx') => void run(() => onDownload(format, group));
  return (
    <Modal title={t('panel.links.title')} onClose={onClose}>
      <p>{t('panel.links.warning')}</p>
      <div className="field">
        <label htmlFor={id}>{t('panel.fields.group')}</label>
        <select id={id} value={group} onChange={(e) => setGroup(e.target.value)}>
          <option value="">{t('panel.allGroups')}</option>
          {groups.map((g) => (
            <option key={g.id} value={g.id}>
              {g.label}
            </option>
          ))}
        </select>
      </div>
      {error != null && <ErrorAlert error={error} />}
      <div className="modal-actions">
        <button type="button" className="button-primary" disabled={busy} onClick={() => go('csv')}>
          {t('panel.links.csv')}
        </button>
        <button type="button" disabled={busy} onClick={() => go('xlsx')}>
          {t('panel.links.xlsx')}
        </button>
        <button type="button" className="button-secondary" onClick={onClose}>
          {t('panel.cancel')}
        </button>
      </div>
    </Modal>
  );
}
