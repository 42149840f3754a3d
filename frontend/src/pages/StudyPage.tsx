import { useId, type ReactNode } from 'react';
import { useTranslation, type TFunction } from '../i18n';
import { useParams } from 'react-router';
import { api } from '../api';
import { ErrorAlert, Loading } from '../components/ErrorAlert';
import { formatDateTime, formatNumber, label } from '../format';
import { useApiData } from '../hooks';
import { BackToStudies, StudyTabs } from './StudyHome';
import { baseLang, localized } from '../text';
import type { Definition, Item, RoundPlan, Scale, Section, Survey } from '../api/types';
import { TableWrap } from '../components/TableWrap';

/**
 * The minimum group size of feedback by group for a study that sets none
 * (delphi.DefaultMinGroupN). The stored definition leaves it out; the
 * participation API sends the effective value.
 */
const DEFAULT_MIN_GROUP_N = 3;

export function StudyPage() {
  const { id = '' } = useParams();
  const { data, error, loading, reload } = useApiData((signal) => api.survey(id, signal), [id]);

  return (
    <>
      <BackToStudies />
      {loading && !data && <Loading />}
      {error != null && <ErrorAlert error={error} onRetry={reload} />}
      {data && <StudyView survey={data} tabs={<StudyTabs id={id} />} />}
    </>
  );
}

export default StudyPage;

/** The whole definition of one study, read-only (the study's definition tab). */
export function StudyView({ survey, tabs }: { survey: Survey; tabs?: ReactNode }) {
  const { t, i18n } = useTranslation();
  const lang = baseLang(i18n.resolvedLanguage);
  const def = survey.definition;
  const title = localized(def.title, lang) || survey.id;
  const description = localized(def.description, lang);
  const scales = def.scales ?? [];
  const sections = def.sections ?? [];

  return (
    <article className="study">
      <title>{`${title} – ${t('app.name')}`}</title>
      <h1>{title}</h1>
      {tabs}
      {description && <p className="lead">{description}</p>}

      <Overview survey={survey} def={def} lang={lang} t={t} />

      <Part title={t('study.groups')}>
        {(def.groups ?? []).length === 0 ? (
          <p className="muted">{t('study.noGroups')}</p>
        ) : (
          <ul className="group-list">
            {(def.groups ?? []).map((g) => (
              <li key={g.id}>{localized(g.label, lang) || g.id}</li>
            ))}
          </ul>
        )}
      </Part>

      <Part title={t('study.scales')}>
        <div className="scale-grid">
          {scales.map((s) => (
            <ScaleView key={s.id} scale={s} lang={lang} t={t} />
          ))}
        </div>
      </Part>

      <Part title={t('study.consensus')}>
        <p className="rule-text">{survey.rule_text?.[lang] ?? survey.rule_text?.en}</p>
        <p className="muted small">{t('study.quantile', { type: def.quantile_type || 7 })}</p>
      </Part>

      <Part title={t('study.rounds')}>
        <RoundsView rounds={def.rounds} t={t} />
      </Part>

      <Part title={t('study.blocks')}>
        {sections.map((s, i) => (
          <BlockView key={s.id || i} section={s} scales={scales} lang={lang} t={t} />
        ))}
      </Part>
    </article>
  );
}

function Part({ title, children }: { title: string; children: ReactNode }) {
  const hid = useId();
  return (
    <section className="part" aria-labelledby={hid}>
      <h2 id={hid}>{title}</h2>
      {children}
    </section>
  );
}

function Overview({ survey, def, lang, t }: { survey: Survey; def: Definition; lang: string; t: TFunction }) {
  const languages = (def.languages ?? []).map((l, i) =>
    i === 0 ? t('study.defaultLanguage', { language: label(t, 'languageNames', l) }) : label(t, 'languageNames', l),
  );
  return (
    <Part title={t('study.overview')}>
      <dl className="facts">
        <Fact term={t('study.id')}>
          <code>{survey.id}</code>
        </Fact>
        <Fact term={t('study.version')}>{def.version}</Fact>
        <Fact term={t('study.revision')}>{survey.revision}</Fact>
        <Fact term={t('study.status')}>{label(t, 'status', survey.status)}</Fact>
        <Fact term={t('study.languages')}>{languages.join(', ')}</Fact>
        {def.time_zone && <Fact term={t('study.timeZone')}>{def.time_zone}</Fact>}
        {def.contact && (
          <Fact term={t('study.contact')}>
            {def.contact.name} &lt;{def.contact.email}&gt;
          </Fact>
        )}
        <Fact term={t('study.updated')}>{formatDateTime(survey.updated_at, lang)}</Fact>
      </dl>
    </Part>
  );
}

function Fact({ term, children }: { term: string; children: ReactNode }) {
  return (
    <div className="fact">
      <dt>{term}</dt>
      <dd>{children}</dd>
    </div>
  );
}

function ScaleView({ scale, lang, t }: { scale: Scale; lang: string; t: TFunction }) {
  const cid = useId();
  return (
    <figure className="card scale" aria-labelledby={cid}>
      <figcaption id={cid}>
        <h3>{t('study.scale', { id: scale.id })}</h3>
      </figcaption>
      <TableWrap>
        <table>
          <thead>
            <tr>
              <th scope="col">{t('study.pointValue')}</th>
              <th scope="col">{t('study.pointLabel')}</th>
            </tr>
          </thead>
          <tbody>
            {(scale.points ?? []).map((p) => (
              <tr key={p.value} className={inBand(p.value, scale.agreement) ? 'in-agreement' : undefined}>
                <td className="num">{p.value}</td>
                <td>{localized(p.label, lang)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
      <dl className="facts compact">
        <Fact term={t('study.agreement')}>
          {t('study.band', { min: scale.agreement.min, max: scale.agreement.max })}
        </Fact>
        {scale.disagreement && (
          <Fact term={t('study.disagreement')}>
            {t('study.band', { min: scale.disagreement.min, max: scale.disagreement.max })}
          </Fact>
        )}
        {scale.abstain && (
          <Fact term={t('study.abstain')}>
            {localized(scale.abstain.label, lang)} ({t('study.abstainNote')})
          </Fact>
        )}
      </dl>
    </figure>
  );
}

function inBand(v: number, b: { min: number; max: number } | undefined): boolean {
  return !!b && v >= b.min && v <= b.max;
}

function RoundsView({ rounds, t }: { rounds: RoundPlan; t: TFunction }) {
  const fb = rounds.feedback;
  const yesNo = (b: boolean | undefined) => (b ? t('study.yes') : t('study.no'));
  const stats = (fb?.statistics ?? []).map((s) => label(t, 'stats', s));
  const carry = rounds.carry_over;
  const carryText =
    carry?.mode === 'chosen'
      ? t('carryOver.chosen', { items: (carry.items ?? []).join(', ') })
      : label(t, 'carryOver', carry?.mode || 'no_consensus');
  return (
    <dl className="facts">
      <Fact term={t('study.plannedRounds')}>{rounds.planned}</Fact>
      <Fact term={t('study.statistics')}>{stats.length ? stats.join(', ') : t('study.noStatistics')}</Fact>
      <Fact term={t('study.ownPrevious')}>{yesNo(fb?.own_previous)}</Fact>
      <Fact term={t('study.comments')}>{yesNo(fb?.comments)}</Fact>
      <Fact term={t('study.byGroup')}>{yesNo(fb?.by_group)}</Fact>
      {fb?.by_group && <Fact term={t('study.minGroupN')}>{fb.min_group_n ?? DEFAULT_MIN_GROUP_N}</Fact>}
      <Fact term={t('study.hideUntilAnswered')}>{yesNo(fb?.hide_until_answered)}</Fact>
      <Fact term={t('study.justifyOutsideIqr')}>{yesNo(fb?.justify_outside_iqr)}</Fact>
      <Fact term={t('study.carryOver')}>{carryText}</Fact>
      <Fact term={t('study.allowRevision')}>{yesNo(rounds.allow_revision ?? true)}</Fact>
    </dl>
  );
}

function BlockView({ section, scales, lang, t }: { section: Section; scales: Scale[]; lang: string; t: TFunction }) {
  const hid = useId();
  const items = section.items ?? [];
  const description = localized(section.description, lang);
  return (
    <section className="block" aria-labelledby={hid} data-block={section.id}>
      <h3 id={hid}>{localized(section.title, lang) || section.id}</h3>
      {description && <p>{description}</p>}
      {items.length === 0 ? (
        <p className="muted">{t('study.noItems')}</p>
      ) : (
        <ol className="items">
          {items.map((it) => (
            <ItemView key={it.id} item={it} scales={scales} lang={lang} t={t} />
          ))}
        </ol>
      )}
    </section>
  );
}

function scaleSummary(id: string | undefined, scales: Scale[], lang: string): string {
  const s = scales.find((x) => x.id === id);
  const pts = s?.points ?? [];
  const first = pts[0];
  const last = pts[pts.length - 1];
  if (!s || !first || !last) return id ?? '';
  const point = (p: typeof first) => [String(p.value), localized(p.label, lang)].filter(Boolean).join(' ');
  return `${s.id} (${point(first)} … ${point(last)})`;
}

function ItemView({ item, scales, lang, t }: { item: Item; scales: Scale[]; lang: string; t: TFunction }) {
  const help = localized(item.help, lang);
  const details: ReactNode[] = [];
  const num = (v: number) => formatNumber(v, lang);

  switch (item.type) {
    case 'rating':
      details.push(<p key="scale">{t('item.scale', { scale: scaleSummary(item.scale, scales, lang) })}</p>);
      break;
    case 'multi_rating':
      details.push(
        <div key="criteria">
          <p className="detail-label">{t('item.criteria')}</p>
          <ul>
            {(item.criteria ?? []).map((c) => (
              <li key={c.id}>
                {t('item.criterion', { label: localized(c.label, lang) || c.id, scale: scaleSummary(c.scale, scales, lang) })}
              </li>
            ))}
          </ul>
        </div>,
      );
      break;
    case 'single_choice':
    case 'multiple_choice':
    case 'ranking':
      if (item.type === 'multiple_choice' && item.max_choices) {
        details.push(<p key="max">{t('item.maxChoices', { count: item.max_choices })}</p>);
      }
      if (item.type === 'ranking') {
        details.push(
          <p key="topk">{item.top_k ? t('item.topK', { count: item.top_k }) : t('item.fullRanking')}</p>,
        );
        if (item.ties) details.push(<p key="ties">{t('item.ties')}</p>);
      }
      details.push(
        <div key="options">
          <p className="detail-label">{t('item.options')}</p>
          <ul>
            {(item.options ?? []).map((o) => (
              <li key={o.id}>{localized(o.label, lang) || o.id}</li>
            ))}
          </ul>
        </div>,
      );
      break;
    case 'numeric': {
      const n = item.numeric;
      const unit = localized(n?.unit, lang);
      if (unit) details.push(<p key="unit">{t('item.unit', { unit })}</p>);
      if (n?.min != null) details.push(<p key="min">{t('item.min', { value: num(n.min) })}</p>);
      if (n?.max != null) details.push(<p key="max">{t('item.max', { value: num(n.max) })}</p>);
      if (n?.integer) details.push(<p key="int">{t('item.integer')}</p>);
      break;
    }
    case 'text':
      details.push(<p key="len">{t('item.maxLength', { count: item.max_length || 5000 })}</p>);
      break;
  }
  if (item.comment) details.push(<p key="comment">{t('item.comment')}</p>);

  return (
    <li className="item card" data-item={item.id} data-type={item.type}>
      <p className="item-head">
        <span className={`badge type-${item.type}`}>{label(t, 'item.type', item.type)}</span>{' '}
        <span className="muted small">{t('item.id', { id: item.id })}</span>
      </p>
      <p className="item-text">{localized(item.text, lang)}</p>
      {help && <p className="muted small">{help}</p>}
      {details.length > 0 && <div className="item-details">{details}</div>}
    </li>
  );
}
