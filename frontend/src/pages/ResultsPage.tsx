import { useId } from 'react';
import { Tab, TabList, TabPanel, Tabs } from 'react-aria-components';
import { useTranslation } from '../i18n';
import { Link, useParams, useSearchParams } from 'react-router';
import { ErrorAlert, Loading } from '../components/ErrorAlert';
import { SubmittedDrafts } from '../components/SubmittedDrafts';
import { formatDateTime } from '../format';
import { ConsensusBoard } from '../results/ConsensusBoard';
import { DivergenceView } from '../results/DivergenceView';
import { ItemDetail } from '../results/ItemDetail';
import { RankingsView } from '../results/RankingsView';
import { SensitivityView } from '../results/SensitivityView';
import { AttritionView } from '../results/AttritionView';
import { FlowView } from '../results/FlowView';
import { RealtimeView } from '../results/RealtimeView';
import { StaffArguments } from '../arguments/StaffArguments';
import { isWriter, useStaff } from '../components/StaffLayout';
import { fmtRatio } from '../results/format';
import { makeLabels } from '../results/labels';
import '../results/results.css';
import type { ResponseRates, ResultsRound, RoundResults } from '../api/types';
import { POLL_MS, useResults } from '../results/useResults';
import { baseLang, localized } from '../text';

const VIEWS = ['board', 'divergence', 'rankings', 'sensitivity', 'flow', 'attrition', 'realtime'] as const;
type View = (typeof VIEWS)[number];

/** The researcher dashboard of one study: board, item detail, group divergence, rankings. */
export function ResultsPage() {
  const { id = '' } = useParams();
  const { t, i18n } = useTranslation();
  const lang = baseLang(i18n.resolvedLanguage);
  const [params, setParams] = useSearchParams();
  const { data, error, loading, refresh } = useResults(id);
  const roundSelect = useId();
  const staffUser = useStaff()?.user;
  const canModerate = staffUser ? isWriter(staffUser) : false;

  const def = data.survey?.definition;
  const labels = makeLabels(def, lang, data.survey?.rule_text);
  const title = localized(def?.title, lang) || id;
  const board = data.board;
  const loaded = (board?.rounds ?? [])
    .map((r) => data.rounds[r.number])
    .filter((r): r is RoundResults => !!r)
    .sort((a, b) => a.round - b.round);
  const latest = loaded[loaded.length - 1];
  // A real-time study (mode: realtime) has the history view as well.
  const realtime = (def as { mode?: string } | undefined)?.mode === 'realtime';
  const asked = (VIEWS as readonly string[]).includes(params.get('view') ?? '') ? (params.get('view') as View) : 'board';
  const view: View = asked === 'realtime' && !realtime ? 'board' : asked;
  const item = params.get('item');
  const chosenRound = Number(params.get('round'));
  const selected = loaded.find((r) => r.round === chosenRound) ?? latest;

  const set = (changes: Record<string, string | null>) =>
    setParams(
      (p) => {
        const next = new URLSearchParams(p);
        for (const [k, v] of Object.entries(changes)) {
          if (v === null) next.delete(k);
          else next.set(k, v);
        }
        return next;
      },
      { replace: false },
    );
  const openItem = (itemId: string) => set({ item: itemId });

  return (
    <div className="results-page">
      <p className="back">
        <Link to={`/surveys/${encodeURIComponent(id)}`}>
          <span aria-hidden="true">← </span>
          {t('results.backToStudy')}
        </Link>
      </p>
      <title>{`${t('results.title')}: ${title} – ${t('app.name')}`}</title>
      <h1>
        {t('results.title')}: {title}
      </h1>

      {loading && !board && <Loading />}
      {error != null && <ErrorAlert error={error} onRetry={refresh} />}

      {board && board.rounds.length === 0 && <p className="empty">{t('results.noRounds')}</p>}

      {board && board.rounds.length > 0 && (
        <>
          <p className="export-links">
            <a href={`/api/v1/surveys/${encodeURIComponent(id)}/export.xlsx?lang=${lang}`} download>
              {t('results.exportXlsx')}
            </a>
            {' · '}
            <a href={`/api/v1/surveys/${encodeURIComponent(id)}/export.csv?lang=${lang}`} download>
              {t('results.exportCsv')}
            </a>
            {' · '}
            <a href={`/api/v1/surveys/${encodeURIComponent(id)}/export.zip?lang=${lang}`} download>
              {t('results.exportBundle')}
            </a>
            <br />
            <span className="muted small">{t('results.exportNote')}</span>
            <br />
            <span className="muted small">{t('results.exportBundleNote')}</span>
          </p>
          <RoundStatus rounds={board.rounds} results={data.rounds} progress={data.progress} lang={lang} onRefresh={refresh} />

          {item ? (
            <>
              <p>
                <button type="button" className="link-button" onClick={() => set({ item: null })}>
                  <span aria-hidden="true">← </span>
                  {t('results.backToBoard')}
                </button>
              </p>
              <ItemDetail
                itemId={item}
                rounds={loaded}
                transitions={data.transitions}
                groups={board.groups}
                labels={labels}
                lang={lang}
              />
              {def?.arguments && <StaffArguments surveyId={id} itemId={item} labels={labels} lang={lang} canModerate={canModerate} />}
            </>
          ) : (
            <Tabs selectedKey={view} onSelectionChange={(k) => set({ view: String(k) })}>
              <TabList aria-label={t('results.views')} className="tab-list">
                <Tab id="board">{t('results.tabs.board')}</Tab>
                <Tab id="divergence">{t('results.tabs.divergence')}</Tab>
                <Tab id="rankings">{t('results.tabs.rankings')}</Tab>
                <Tab id="sensitivity">{t('results.tabs.sensitivity')}</Tab>
                <Tab id="flow">{t('results.tabs.flow')}</Tab>
                <Tab id="attrition">{t('results.tabs.attrition')}</Tab>
                {realtime && <Tab id="realtime">{t('results.tabs.realtime')}</Tab>}
              </TabList>
              <TabPanel id="board">
                <ConsensusBoard board={board} labels={labels} lang={lang} onOpenItem={openItem} />
              </TabPanel>
              <TabPanel id="flow">
                <FlowView surveyId={id} labels={labels} />
              </TabPanel>
              <TabPanel id="attrition">
                <AttritionView surveyId={id} labels={labels} lang={lang} />
              </TabPanel>
              {realtime && (
                <TabPanel id="realtime">
                  <RealtimeView surveyId={id} def={def} labels={labels} lang={lang} />
                </TabPanel>
              )}
              {(['divergence', 'rankings', 'sensitivity'] as const).map((v) => (
                <TabPanel id={v} key={v}>
                  {selected && (
                    <>
                      <div className="filter">
                        <label htmlFor={roundSelect}>{t('results.round')}</label>
                        <select id={roundSelect} value={selected.round} onChange={(e) => set({ round: e.target.value })}>
                          {loaded.map((r) => (
                            <option key={r.round} value={r.round}>
                              {t('results.roundN', { n: r.round })}
                              {r.live ? ` (${t('results.live')})` : ''}
                            </option>
                          ))}
                        </select>
                      </div>
                      {v === 'divergence' ? (
                        <DivergenceView results={selected} labels={labels} lang={lang} onOpenItem={openItem} />
                      ) : v === 'sensitivity' ? (
                        <SensitivityView surveyId={id} round={selected.round} labels={labels} lang={lang} />
                      ) : (
                        <RankingsView results={selected} labels={labels} lang={lang} />
                      )}
                    </>
                  )}
                </TabPanel>
              ))}
            </Tabs>
          )}
        </>
      )}
    </div>
  );
}

export default ResultsPage;

/** Each round's state; for an open round the time of the live numbers and the response rates beside them. */
function RoundStatus({
  rounds,
  results,
  progress,
  lang,
  onRefresh,
}: {
  rounds: ResultsRound[];
  results: Record<number, RoundResults>;
  progress: Record<number, ResponseRates | undefined>;
  lang: string;
  onRefresh: () => void;
}) {
  const { t } = useTranslation();
  const live = rounds.some((r) => r.live);
  return (
    <section className="round-status card" aria-label={t('results.rounds')}>
      <ul>
        {rounds.map((r) => {
          const res = results[r.number];
          const p = progress[r.number];
          return (
            <li key={r.number} data-round={r.number}>
              <strong>{t('results.roundN', { n: r.number })}</strong>:{' '}
              {r.live ? (
                <>
                  <span className="badge live">{t('results.live')}</span>{' '}
                  {t('results.liveAt', { time: formatDateTime(res?.computed_at ?? r.computed_at, lang) })}
                </>
              ) : (
                t('results.closedAt', { time: formatDateTime(r.closed_at ?? r.computed_at, lang) })
              )}
              {res &&
                ((res.respondents.submitted ?? 0) + (res.respondents.drafts ?? 0) > 0 ? (
                  <>
                    {' · '}
                    <SubmittedDrafts submitted={res.respondents.submitted} drafts={res.respondents.drafts} count={res.count} />
                  </>
                ) : (
                  <> · {t('results.respondents', { count: res.respondents.total })}</>
                ))}
              {r.live && p && <ResponseRate p={p} lang={lang} />}
            </li>
          );
        })}
      </ul>
      {live && (
        <p className="small muted">
          {t('results.pollNote', { seconds: POLL_MS / 1000 })}{' '}
          <button type="button" className="button-secondary small-button" onClick={onRefresh}>
            {t('results.refresh')}
          </button>
        </p>
      )}
    </section>
  );
}

function ResponseRate({ p, lang }: { p: ResponseRates; lang: string }) {
  const { t } = useTranslation();
  if (p.invited == null || p.invited === 0) return null;
  return (
    <span className="response-rate">
      {' · '}
      {t('results.responseRate', {
        submitted: p.submitted ?? 0,
        invited: p.invited,
        rate: fmtRatio(p.submitted ?? 0, p.invited, lang),
      })}
      {p.started != null && ` · ${t('results.started', { count: p.started })}`}
    </span>
  );
}
