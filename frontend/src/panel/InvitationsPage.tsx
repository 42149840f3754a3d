import { useId, useState } from 'react';
import { useTranslation, type TFunction } from '../i18n';
import { Link, useNavigate, useParams } from 'react-router';
import type { MailJob, MailPreview, MailStatus, SendCounts, Survey } from '../api/types';
import { ErrorAlert, Loading } from '../components/ErrorAlert';
import { useApiData } from '../hooks';
import { roundsApi } from '../rounds/api';
import { panelApi } from './api';
import { formatDateTime, label } from '../format';
import { baseLang, localized } from '../text';
import { useMailRound, useMailTexts, useSend } from './invitationsState';
import { Confirm, LinksDialog } from './PanelPage';
import { ResponseRates } from './ResponseRates';
import { StudyShell } from './StudyShell';
import './panel.css';
import { TableWrap } from '../components/TableWrap';

/** A round's invitations and reminders: texts, preview, sending, progress, failures, response rates. */
export function InvitationsPage() {
  const { id = '', n = '1' } = useParams();
  const parsed = Number.parseInt(n, 10);
  const round = Number.isNaN(parsed) ? 1 : Math.max(0, parsed); // 0: a study's open round 0
  return <StudyShell id={id}>{(survey) => <InvitationsView key={`${id}-${round}`} survey={survey} round={round} />}</StudyShell>;
}

export default InvitationsPage;

function InvitationsView({ survey, round }: { survey: Survey; round: number }) {
  const { t, i18n } = useTranslation();
  const lang = baseLang(i18n.resolvedLanguage);
  const navigate = useNavigate();
  const roundId = useId();
  const title = localized(survey.definition.title, lang) || survey.id;
  const list = useApiData((signal) => roundsApi.list(survey.id, signal), [survey.id]);
  const numbers = (list.data?.rounds ?? []).map((r) => r.number);
  const exists = numbers.includes(round);
  const base = `/surveys/${encodeURIComponent(survey.id)}`;

  return (
    <article className="invitations-page">
      <title>{`${t('mail.title', { n: round })} – ${title} – ${t('app.name')}`}</title>
      <h1>{t('mail.title', { n: round })}</h1>
      <p className="lead">{title}</p>
      <div className="filters">
        {numbers.length > 0 && (
          <div className="field">
            <label htmlFor={roundId}>{t('panel.roundFilter')}</label>
            <select id={roundId} value={round} onChange={(e) => void navigate(`${base}/rounds/${e.target.value}/invitations`)}>
              {numbers.map((n) => (
                <option key={n} value={n}>
                  {t('panel.round', { n })}
                </option>
              ))}
            </select>
          </div>
        )}
        <p>
          <Link to={`${base}/panel`}>{t('mail.toPanel')}</Link>
        </p>
      </div>
      {list.loading && !list.data && <Loading />}
      {list.error != null && <ErrorAlert error={list.error} onRetry={list.reload} />}
      {list.data && !exists && (
        <div className="empty-state" role="status">
          <p>{numbers.length === 0 ? t('mail.noRoundYet') : t('mail.noSuchRound', { n: round })}</p>
          <p>
            <Link to={`${base}/rounds`}>{t('mail.toRounds')}</Link>
          </p>
        </div>
      )}
      {list.data && exists && <RoundMail survey={survey} round={round} lang={lang} />}
    </article>
  );
}

/** The mail of one existing round: rates, sending (or the links download when mail is off), progress, texts. */
function RoundMail({ survey, round, lang }: { survey: Survey; round: number; lang: string }) {
  const { t } = useTranslation();
  const { rates, status, forbidden, retry, sent } = useMailRound(survey.id, round);
  const mailOff = status.data ? !status.data.smtp_enabled : false;
  return (
    <>
      {rates.error != null && <ErrorAlert error={rates.error} onRetry={rates.reload} />}
      {rates.data && <ResponseRates rates={rates.data} />}

      {forbidden ? (
        <p className="muted">{t('mail.forbidden')}</p>
      ) : (
        <>
          {status.error != null && <ErrorAlert error={status.error} onRetry={status.reload} />}
          {mailOff && <NoMail survey={survey} lang={lang} onDone={sent} />}
          {status.data && <MailProgress status={status.data} lang={lang} onRetry={retry} />}
          <SendSection survey={survey} round={round} onSent={sent} mailOff={mailOff} />
          <TextsSection survey={survey} round={round} />
        </>
      )}
    </>
  );
}

/** Without SMTP no mail can go out: say so and offer the links as a file right here. */
function NoMail({ survey, lang, onDone }: { survey: Survey; lang: string; onDone: () => void }) {
  const { t } = useTranslation();
  const hid = useId();
  const [open, setOpen] = useState(false);
  const [done, setDone] = useState('');
  return (
    <section className="part notice" aria-labelledby={hid}>
      <h2 id={hid}>{t('mail.noMailTitle')}</h2>
      <p>{t('mail.noMailText')}</p>
      <button type="button" className="button-primary" onClick={() => setOpen(true)}>
        {t('panel.links.button')}
      </button>
      <p role="status">{done}</p>
      {open && (
        <LinksDialog
          groups={(survey.definition.groups ?? []).map((g) => ({ id: g.id, label: localized(g.label, lang) || g.id }))}
          onClose={() => setOpen(false)}
          onDownload={async (format, g) => {
            await panelApi.downloadLinks(survey.id, format, lang, g || undefined);
            setOpen(false);
            setDone(t('panel.links.done'));
            onDone();
          }}
        />
      )}
    </section>
  );
}

function countsText(c: SendCounts, t: TFunction): string {
  return t('mail.progress', { sent: c.sent, total: c.total, failed: c.failed }) + (c.pending > 0 ? ` ${t('mail.pending', { count: c.pending })}` : '');
}

function MailProgress({ status, lang, onRetry }: { status: MailStatus; lang: string; onRetry: () => Promise<void> }) {
  const { t } = useTranslation();
  const hid = useId();
  const [confirm, setConfirm] = useState(false);
  return (
    <section className="part" aria-labelledby={hid}>
      <h2 id={hid}>{t('mail.progressTitle')}</h2>
      <div role="status" aria-live="polite">
        <p>
          <strong>{t('mail.invitations')}:</strong> {countsText(status.invitations, t)}
        </p>
        <p>
          <strong>{t('mail.reminders')}:</strong> {countsText(status.reminders, t)}
        </p>
        {status.running && <p className="muted">{t('mail.running')}</p>}
      </div>
      {status.failures.length > 0 && (
        <>
          <h3>{t('mail.failures', { count: status.failures.length })}</h3>
          <TableWrap>
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('panel.fields.pseudonym')}</th>
                  <th scope="col">{t('panel.fields.name')}</th>
                  <th scope="col">{t('panel.fields.email')}</th>
                  <th scope="col">{t('mail.kind')}</th>
                  <th scope="col">{t('mail.attempts')}</th>
                  <th scope="col">{t('mail.error')}</th>
                </tr>
              </thead>
              <tbody>
                {status.failures.map((f) => (
                  <tr key={f.send_id}>
                    <th scope="row">
                      <code>{f.pseudonym}</code>
                    </th>
                    <td>{f.name}</td>
                    <td>{f.email}</td>
                    <td>
                      {label(t, 'mail.kinds', f.kind.startsWith('reminder') ? 'reminder' : 'invite')}
                      {f.status === 'pending' ? ` (${t('mail.retrying')})` : ''}
                    </td>
                    <td className="num">{f.attempts}</td>
                    <td>
                      <code className="smtp-error">{f.error}</code>
                      <span className="muted small"> {formatDateTime(f.at, lang)}</span>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
          <button type="button" onClick={() => setConfirm(true)}>
            {t('mail.retry')}
          </button>
        </>
      )}
      {status.jobs.length > 0 && (
        <details>
          <summary>{t('mail.jobs', { count: status.jobs.length })}</summary>
          <ul>
            {status.jobs.map((j) => (
              <li key={j.id}>{jobText(j, t, lang)}</li>
            ))}
          </ul>
        </details>
      )}
      {confirm && (
        <Confirm
          title={t('mail.retry')}
          text={t('mail.retryText')}
          confirm={t('mail.retry')}
          onClose={() => setConfirm(false)}
          onConfirm={async () => {
            await onRetry();
            setConfirm(false);
          }}
        />
      )}
    </section>
  );
}

function jobText(j: MailJob, t: TFunction, lang: string): string {
  const skipped = Object.entries(j.skipped ?? {})
    .filter(([, c]) => c > 0)
    .map(([reason, c]) => `${label(t, 'mail.skip', reason)}: ${c}`)
    .join(', ');
  return t('mail.jobLine', {
    at: formatDateTime(j.created_at, lang),
    kind: label(t, 'mail.kinds', j.kind),
    queued: j.queued,
  }) + (skipped ? ` (${skipped})` : '');
}

function SendSection({ survey, round, onSent, mailOff }: { survey: Survey; round: number; onSent: () => void; mailOff: boolean }) {
  const { t, i18n } = useTranslation();
  const lang = baseLang(i18n.resolvedLanguage);
  const hid = useId();
  const ids = { group: useId(), keep: useId(), interval: useId() };
  const { state, dispatch, send } = useSend(survey.id, round, ({ job }) => jobText(job, t, lang), onSent);
  const { group, keep, interval, busy, error, result, confirm } = state;
  const setConfirm = (kind: typeof confirm) => dispatch({ type: 'confirm', kind });

  return (
    <section className="part" aria-labelledby={hid}>
      <h2 id={hid}>{t('mail.sendTitle')}</h2>
      <p className="muted small">{mailOff ? t('mail.sendOff') : t('mail.sendHelp')}</p>
      <div className="filters">
        <div className="field">
          <label htmlFor={ids.group}>{t('panel.fields.group')}</label>
          <select id={ids.group} value={group} onChange={(e) => dispatch({ type: 'group', group: e.target.value })}>
            <option value="">{t('panel.allGroups')}</option>
            {(survey.definition.groups ?? []).map((g) => (
              <option key={g.id} value={g.id}>
                {localized(g.label, lang) || g.id}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.interval}>{t('mail.interval')}</label>
          <input
            id={ids.interval}
            type="number"
            min={0}
            max={720}
            value={interval}
            onChange={(e) => dispatch({ type: 'interval', hours: Number(e.target.value) })}
          />
        </div>
      </div>
      <div className="field-check">
        <input id={ids.keep} type="checkbox" checked={keep} onChange={(e) => dispatch({ type: 'keep', keep: e.target.checked })} />
        <label htmlFor={ids.keep}>{t('mail.keepLinks')}</label>
      </div>
      <p className="muted small">{keep ? t('mail.keepLinksOn') : t('mail.keepLinksOff')}</p>
      <div className="toolbar">
        <button type="button" className="button-primary" disabled={busy || mailOff} onClick={() => setConfirm('invitations')}>
          {t('mail.sendInvitations')}
        </button>
        <button type="button" disabled={busy || mailOff} onClick={() => setConfirm('reminders')}>
          {t('mail.sendReminders')}
        </button>
      </div>
      <p role="status">{result}</p>
      {error != null && <ErrorAlert error={error} />}
      {confirm && (
        <Confirm
          title={confirm === 'invitations' ? t('mail.sendInvitations') : t('mail.sendReminders')}
          text={confirm === 'invitations' ? t('mail.confirmInvitations', { n: round }) : t('mail.confirmReminders', { hours: interval })}
          confirm={t('mail.sendNow')}
          onClose={() => setConfirm(null)}
          onConfirm={() => send(confirm)}
        />
      )}
    </section>
  );
}

function TextsSection({ survey, round }: { survey: Survey; round: number }) {
  const { t, i18n } = useTranslation();
  const hid = useId();
  const langs = ['de', 'en'].filter((l) => (survey.definition.languages ?? ['de']).includes(l));
  const { texts, preview, state, dispatch, values, save, edit } = useMailTexts(survey.id, round, langs, baseLang(i18n.resolvedLanguage));
  const { draft, saving, error, saved, previewLang, kind } = state;
  const ids = { lang: useId(), kind: useId() };

  return (
    <section className="part" aria-labelledby={hid}>
      <h2 id={hid}>{t('mail.textsTitle')}</h2>
      {texts.error != null && <ErrorAlert error={texts.error} onRetry={texts.reload} />}
      {texts.data && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void save();
          }}
        >
          {langs.map((l) => (
            <fieldset key={l} className="mail-texts">
              <legend>{label(t, 'languageNames', l)}</legend>
              <div className="field">
                <label htmlFor={`mail-subject-${l}`}>{t('mail.subject')}</label>
                <input
                  id={`mail-subject-${l}`}
                  maxLength={200}
                  value={values[l]?.subject ?? ''}
                  placeholder={texts.data?.defaults[l]?.subject}
                  onChange={(e) => edit(l, 'subject', e.target.value)}
                />
              </div>
              <div className="field">
                <label htmlFor={`mail-intro-${l}`}>{t('mail.intro')}</label>
                <textarea
                  id={`mail-intro-${l}`}
                  rows={4}
                  maxLength={5000}
                  value={values[l]?.intro ?? ''}
                  placeholder={texts.data?.defaults[l]?.intro}
                  onChange={(e) => edit(l, 'intro', e.target.value)}
                />
              </div>
            </fieldset>
          ))}
          <p className="muted small">{t('mail.textsHelp')}</p>
          {error != null && <ErrorAlert error={error} />}
          <p role="status">{saved ? t('mail.saved') : ''}</p>
          <button type="submit" className="button-primary" disabled={saving || draft === null}>
            {saving ? t('panel.saving') : t('mail.saveTexts')}
          </button>
        </form>
      )}

      <h3>{t('mail.preview')}</h3>
      <div className="filters">
        <div className="field">
          <label htmlFor={ids.lang}>{t('panel.fields.language')}</label>
          <select id={ids.lang} value={previewLang} onChange={(e) => dispatch({ type: 'previewLang', lang: e.target.value })}>
            {langs.map((l) => (
              <option key={l} value={l}>
                {label(t, 'languageNames', l)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.kind}>{t('mail.kind')}</label>
          <select id={ids.kind} value={kind} onChange={(e) => dispatch({ type: 'kind', kind: e.target.value as MailPreview['kind'] })}>
            <option value="invite">{t('mail.kinds.invite')}</option>
            <option value="reminder">{t('mail.kinds.reminder')}</option>
          </select>
        </div>
      </div>
      {preview.error != null && <ErrorAlert error={preview.error} onRetry={preview.reload} />}
      {preview.data && (
        <div className="mail-preview">
          <p>
            <strong>{t('mail.subject')}:</strong> {preview.data.subject}
          </p>
          <details open>
            <summary>{t('mail.htmlVersion')}</summary>
            <iframe title={t('mail.htmlVersion')} sandbox="" srcDoc={preview.data.html} className="mail-frame" />
          </details>
          <details>
            <summary>{t('mail.textVersion')}</summary>
            <pre className="mail-text">{preview.data.text}</pre>
          </details>
        </div>
      )}
    </section>
  );
}
