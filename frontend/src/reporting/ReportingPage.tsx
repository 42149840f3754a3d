import { useId } from 'react';
import { useParams } from 'react-router';
import { useTranslation } from '../i18n';
import { api } from '../api';
import type { Deviation, Protocol, Report, Survey } from '../api/types';
import { ErrorAlert, Loading } from '../components/ErrorAlert';
import { TableWrap } from '../components/TableWrap';
import { formatDateTime } from '../format';
import { useApiData } from '../hooks';
import { BackToStudies, StudyTabs } from '../pages/StudyHome';
import { baseLang, localized } from '../text';
import { reportingApi } from './api';

async function load(id: string, signal: AbortSignal): Promise<{ survey: Survey; report: Report }> {
  const [survey, report] = await Promise.all([api.survey(id, signal), reportingApi.report(id, signal)]);
  return { survey, report };
}

/**
 * Methods & reporting: what the platform knows for a study's methods
 * section (each checklist entry filled from the data or left to the
 * authors), the generated methods paragraph, and the locked analysis
 * protocol with its SHA-256 and deviations. The texts come from the server,
 * so the page and the Excel export say the same.
 */
export function ReportingPage() {
  const { id = '' } = useParams();
  const { t, i18n } = useTranslation();
  const lang = baseLang(i18n.resolvedLanguage);
  const { data, error, loading, reload } = useApiData((signal) => load(id, signal), [id]);
  const title = data ? localized(data.survey.definition.title, lang) || id : id;
  const checklistId = useId();
  const paragraphId = useId();
  const protocolId = useId();
  return (
    <>
      <BackToStudies />
      <title>{`${t('reporting.title')} – ${title} – ${t('app.name')}`}</title>
      <h1>{title}</h1>
      <StudyTabs id={id} />
      {loading && !data && <Loading />}
      {error != null && <ErrorAlert error={error} onRetry={reload} />}
      {data && (
        <div className="reporting">
          <p className="lead">{t('reporting.intro')}</p>
          <section className="card" aria-labelledby={checklistId}>
            <h2 id={checklistId}>{t('reporting.checklist')}</h2>
            <TableWrap label={t('reporting.checklist')}>
              <table>
                <thead>
                  <tr>
                    <th scope="col">{t('reporting.topic')}</th>
                    <th scope="col">{t('reporting.value')}</th>
                    <th scope="col">{t('reporting.status')}</th>
                    <th scope="col">ACCORD</th>
                    <th scope="col">CREDES</th>
                  </tr>
                </thead>
                <tbody>
                  {data.report.checklist.map((e) => (
                    <tr key={e.id} data-status={e.status}>
                      <th scope="row">{e.topic[lang]}</th>
                      <td>{e.value[lang] || '–'}</td>
                      <td>{t(e.status === 'from_data' ? 'reporting.fromData' : 'reporting.needsAuthor')}</td>
                      <td>{e.accord || t('reporting.notVerified')}</td>
                      <td>{e.credes || t('reporting.notVerified')}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableWrap>
          </section>
          <section className="card" aria-labelledby={paragraphId}>
            <h2 id={paragraphId}>{t('reporting.paragraph')}</h2>
            <p className="muted small">{t('reporting.paragraphHelp')}</p>
            <p lang="de">
              <strong>{t('reporting.german')}: </strong>
              {data.report.paragraph.de}
            </p>
            <p lang="en">
              <strong>{t('reporting.english')}: </strong>
              {data.report.paragraph.en}
            </p>
          </section>
          <section className="card" aria-labelledby={protocolId}>
            <h2 id={protocolId}>{t('reporting.protocol')}</h2>
            {data.report.facts.protocol ? (
              <ProtocolView protocol={data.report.facts.protocol} ruleText={data.report.facts.rule_text[lang] ?? ''} deviations={data.report.facts.deviations} lang={lang} />
            ) : (
              <p className="muted">{t('reporting.notFrozen')}</p>
            )}
          </section>
        </div>
      )}
    </>
  );
}

export default ReportingPage;

function ProtocolView({ protocol, ruleText, deviations, lang }: { protocol: Protocol; ruleText: string; deviations: Deviation[]; lang: 'de' | 'en' }) {
  const { t } = useTranslation();
  const f = protocol.fields;
  return (
    <>
      <dl className="facts">
        <dt>SHA-256</dt>
        <dd>
          <code className="hash">{protocol.sha256}</code>
        </dd>
        <dt>{t('reporting.frozenAt')}</dt>
        <dd>{t('reporting.frozenAtValue', { at: formatDateTime(protocol.frozen_at, lang), revision: protocol.revision, version: protocol.version })}</dd>
        <dt>{t('reporting.rule')}</dt>
        <dd>{ruleText}</dd>
        <dt>{t('reporting.quantile')}</dt>
        <dd>{f.quantile_type}</dd>
        <dt>{t('reporting.carryOver')}</dt>
        <dd>{f.carry_over.mode}</dd>
        <dt>{t('reporting.planned')}</dt>
        <dd>{f.planned_rounds}</dd>
        <dt>{t('reporting.stoppingRule')}</dt>
        <dd>{t('reporting.stoppingRuleText')}</dd>
        <dt>{t('reporting.feedback')}</dt>
        <dd>
          {[...(f.feedback.statistics ?? []), f.feedback.by_group ? t('reporting.byGroup', { n: f.feedback.min_group_n ?? 3 }) : ''].filter(Boolean).join(', ')}
        </dd>
      </dl>
      <h3>{t('reporting.deviations', { count: deviations.length })}</h3>
      {deviations.length === 0 ? (
        <p className="muted">{t('reporting.noDeviations')}</p>
      ) : (
        <TableWrap label={t('reporting.deviations', { count: deviations.length })}>
          <table>
            <thead>
              <tr>
                <th scope="col">{t('reporting.revision')}</th>
                <th scope="col">{t('reporting.change')}</th>
                <th scope="col">{t('reporting.reason')}</th>
                <th scope="col">{t('reporting.when')}</th>
              </tr>
            </thead>
            <tbody>
              {deviations.map((d) => (
                <tr key={d.revision}>
                  <td>{d.revision}</td>
                  <td>
                    <ul className="plain">
                      {d.changes.map((c) => (
                        <li key={c.field}>
                          <code>{c.field}</code>: <code>{c.old}</code> → <code>{c.new}</code>
                        </li>
                      ))}
                    </ul>
                  </td>
                  <td>{d.reason}</td>
                  <td>{formatDateTime(d.at, lang)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
    </>
  );
}
