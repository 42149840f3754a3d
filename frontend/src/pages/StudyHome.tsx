import type { ReactNode } from 'react';
import { useTranslation, type TFunction } from '../i18n';
import { Link, NavLink, useParams } from 'react-router';
import { api } from '../api';
import type { ExpertList, MailStatus, ResponseRates, Round, RoundList, Survey } from '../api/types';
import { ErrorAlert, Loading } from '../components/ErrorAlert';
import { isWriter, useStaff } from '../components/StaffLayout';
import { formatDateTime, label } from '../format';
import { useApiData } from '../hooks';
import { panelApi } from '../panel/api';
import { resultsApi } from '../results/api';
import { roundsApi } from '../rounds/api';
import { baseLang, localized } from '../text';

/** The link back to the study list, above a study's tabs. */
export function BackToStudies() {
  const { t } = useTranslation();
  return (
    <p className="back">
      <Link to="/">
        <span aria-hidden="true">← </span>
        {t('study.back')}
      </Link>
    </p>
  );
}

/** The tabs of a study: its home (the checklist), its definition, and methods & reporting. */
export function StudyTabs({ id }: { id: string }) {
  const { t } = useTranslation();
  const base = `/surveys/${encodeURIComponent(id)}`;
  return (
    <nav className="tabs" aria-label={t('home.tabs')}>
      <NavLink to={base} end>
        {t('home.tab')}
      </NavLink>
      <NavLink to={`${base}/definition`}>{t('home.definitionTab')}</NavLink>
      <NavLink to={`${base}/reporting`}>{t('reporting.tab')}</NavLink>
    </nav>
  );
}

/** What the home reads: the study, its rounds, the latest round's rates; for writers also the panel and the mail state. */
interface HomeData {
  survey: Survey;
  list: RoundList;
  latest: Round | undefined;
  rates: ResponseRates | undefined;
  panel: ExpertList | undefined;
  mail: MailStatus | undefined;
}

async function loadHome(id: string, writer: boolean, signal: AbortSignal): Promise<HomeData> {
  const [survey, list, panel] = await Promise.all([
    api.survey(id, signal),
    roundsApi.list(id, signal),
    writer ? panelApi.list(id, {}, signal) : Promise.resolve(undefined),
  ]);
  const latest = list.rounds[list.rounds.length - 1];
  const [rates, mail] = await Promise.all([
    latest ? resultsApi.progress(id, latest.number, signal) : Promise.resolve(undefined),
    latest && writer ? panelApi.mailStatus(id, latest.number, signal) : Promise.resolve(undefined),
  ]);
  return { survey, list, latest, rates, panel, mail };
}

/** The study's home: a checklist of the study run with live status, each step linking to its page. */
export function StudyHome() {
  const { id = '' } = useParams();
  const { t, i18n } = useTranslation();
  const lang = baseLang(i18n.resolvedLanguage);
  const { user } = useStaff();
  const writer = isWriter(user);
  const { data, error, loading, reload } = useApiData((signal) => loadHome(id, writer, signal), [id, writer]);
  const title = data ? localized(data.survey.definition.title, lang) || id : id;
  return (
    <>
      <BackToStudies />
      <title>{`${title} – ${t('app.name')}`}</title>
      <h1>{title}</h1>
      <StudyTabs id={id} />
      {loading && !data && <Loading />}
      {error != null && <ErrorAlert error={error} onRetry={reload} />}
      {data && <Checklist data={data} writer={writer} lang={lang} t={t} />}
    </>
  );
}

export default StudyHome;

type StepState = 'done' | 'todo' | 'waiting';

interface Step {
  key: string;
  state: StepState;
  status: string;
  to?: string;
  link?: string;
  download?: boolean;
}

/** The steps of a study run, in order, from what the server says now. */
export function steps(d: HomeData, writer: boolean, lang: string, t: TFunction): Step[] {
  const id = encodeURIComponent(d.survey.id);
  const base = `/surveys/${id}`;
  const latest = d.latest;
  const n = latest?.number ?? 1;
  const planned = d.list.planned || 1;
  const active = d.panel ? (d.panel.counts.active ?? d.panel.total) : d.rates?.panel;
  const when = (iso: string | null | undefined) => (iso ? formatDateTime(iso, lang) : '');
  const out: Step[] = [];

  out.push({ key: 'definition', state: 'done', status: t('home.definition.done', { revision: d.survey.revision }), to: `${base}/definition`, link: t('home.definition.link') });

  const panelStep: Step = { key: 'panel', state: active ? 'done' : 'todo', status: active ? t('home.panel.done', { count: active }) : t('home.panel.todo') };
  if (writer) Object.assign(panelStep, { to: `${base}/panel`, link: t('home.panel.link') });
  out.push(panelStep);

  let dates: Step;
  if (!latest) dates = { key: 'dates', state: 'todo', status: t('home.dates.none') };
  else if (latest.status === 'draft') dates = { key: 'dates', state: 'todo', status: t('home.dates.draft', { n, deadline: when(latest.deadline) }) };
  else if (latest.status === 'open') dates = { key: 'dates', state: 'done', status: t('home.dates.done', { n, deadline: when(latest.deadline) }) };
  else dates = { key: 'dates', state: 'done', status: t('home.dates.closed', { n, deadline: when(latest.deadline) }) };
  out.push({ ...dates, to: `${base}/rounds`, link: writer ? t('home.dates.link') : t('home.dates.read') });

  if (writer) {
    const invited = d.rates?.invited ?? 0;
    const panel = d.rates?.panel ?? 0;
    let status: string;
    let state: StepState = 'todo';
    if (!latest) status = t('home.invite.noRound');
    else if (panel > 0 && invited >= panel) {
      state = 'done';
      status = t('home.invite.done', { count: invited, mail: d.rates?.invited_by.mail ?? 0, file: d.rates?.invited_by.file ?? 0 });
    } else status = t('home.invite.todo', { invited, panel });
    if (d.mail && !d.mail.smtp_enabled) status += ` ${t('home.invite.noSmtp')}`;
    out.push({ key: 'invite', state, status, to: latest ? `${base}/rounds/${n}/invitations` : undefined, link: t('home.invite.link') });
  }

  const submitted = d.rates?.submitted ?? latest?.responses?.submitted ?? 0;
  out.push({
    key: 'responses',
    state: !latest ? 'waiting' : submitted > 0 ? 'done' : 'waiting',
    status: !latest ? t('home.responses.noRound') : t('home.responses.count', { submitted, panel: d.rates?.panel ?? 0 }),
    to: `${base}/results`,
    link: t('home.responses.link'),
  });

  const closed = latest?.status === 'closed';
  out.push({
    key: 'close',
    state: closed ? 'done' : 'waiting',
    status: !latest ? t('home.close.noRound') : closed ? t('home.close.done', { n, at: when(latest.closed_at) }) : t('home.close.todo', { n, deadline: when(latest.deadline) }),
    to: `${base}/rounds`,
    link: writer && !closed ? t('home.close.link') : writer ? t('home.dates.link') : t('home.dates.read'),
  });

  const more = n < planned;
  out.push({
    key: 'next',
    state: !closed ? 'waiting' : more ? 'todo' : 'done',
    status: more ? t('home.next.todo', { next: n + 1, planned }) : t('home.next.done', { planned }),
    to: `${base}/rounds`,
    link: writer ? t('home.next.link') : t('home.dates.read'),
  });

  out.push({
    key: 'export',
    state: closed && !more ? 'todo' : 'waiting',
    status: t('home.export.status'),
    to: `/api/v1/surveys/${id}/export.xlsx?lang=${lang}`,
    link: t('home.export.link'),
    download: true,
  });
  return out;
}

function Checklist({ data, writer, lang, t }: { data: HomeData; writer: boolean; lang: string; t: TFunction }) {
  const list = steps(data, writer, lang, t);
  return (
    <section className="part" aria-labelledby="home-steps">
      <h2 id="home-steps">{t('home.title')}</h2>
      <ol className="checklist">
        {list.map((s) => (
          <li key={s.key} className={`step step-${s.state}`} data-step={s.key}>
            <span className={`badge step-badge step-badge-${s.state}`}>{label(t, 'home.state', s.state)}</span>{' '}
            <strong>{label(t, `home.${s.key}`, 'title')}</strong>
            <p className="step-status">{s.status}</p>
            {s.to && s.link && <StepLink to={s.to} download={s.download}>{s.link}</StepLink>}
          </li>
        ))}
      </ol>
    </section>
  );
}

function StepLink({ to, download, children }: { to: string; download?: boolean; children: ReactNode }) {
  if (download) return <a href={to} download>{children}</a>;
  return <Link to={to}>{children}</Link>;
}
