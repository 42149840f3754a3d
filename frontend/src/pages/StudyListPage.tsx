import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api } from '../api';
import { ErrorAlert, Loading } from '../components/ErrorAlert';
import { formatDateTime, label } from '../format';
import { useApiData } from '../hooks';
import { baseLang, localized } from '../text';

export function StudyListPage() {
  const { t, i18n } = useTranslation();
  const lang = baseLang(i18n.resolvedLanguage);
  const { data, error, loading, reload } = useApiData((signal) => api.surveys(signal), []);
  const surveys = data?.surveys ?? [];

  return (
    <>
      <title>{`${t('studies.title')} – ${t('app.name')}`}</title>
      <h1>{t('studies.title')}</h1>
      <p className="muted">{t('studies.intro')}</p>
      {loading && !data && <Loading />}
      {error != null && <ErrorAlert error={error} onRetry={reload} />}
      {data && surveys.length === 0 && <p className="empty">{t('studies.empty')}</p>}
      {surveys.length > 0 && (
        <ul className="study-list">
          {surveys.map((s) => {
            const description = localized(s.description, lang);
            return (
              <li key={s.id} className="card study-card">
                <h2>
                  <Link to={`/surveys/${encodeURIComponent(s.id)}`}>{localized(s.title, lang) || s.id}</Link>
                </h2>
                {description && <p className="study-description">{description}</p>}
                <ul className="meta" aria-label={s.id}>
                  <li>
                    <span className={`badge status-${s.status}`}>{label(t, 'status', s.status)}</span>
                  </li>
                  <li>{t('studies.version', { version: s.version })}</li>
                  <li>{t('studies.revision', { revision: s.revision })}</li>
                  <li>{t('studies.sections', { count: s.section_count })}</li>
                  <li>{t('studies.items', { count: s.item_count })}</li>
                  <li>{t('studies.groups', { count: s.group_count })}</li>
                  <li>
                    {t('studies.languages', {
                      languages: (s.languages ?? []).map((l) => label(t, 'languageNames', l)).join(', '),
                    })}
                  </li>
                  <li>{t('studies.updated', { date: formatDateTime(s.updated_at, lang) })}</li>
                </ul>
              </li>
            );
          })}
        </ul>
      )}
    </>
  );
}

export default StudyListPage;
