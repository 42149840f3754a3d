import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api } from '../api';
import { ErrorAlert, Loading } from '../components/ErrorAlert';
import { useApiData } from '../hooks';
import type { Survey } from '../api/types';

/** The frame of a study's sub-page: a link back to the study, then the page once the study has loaded. */
export function StudyShell({ id, children }: { id: string; children: (survey: Survey) => ReactNode }) {
  const { t } = useTranslation();
  const survey = useApiData((signal) => api.survey(id, signal), [id]);
  return (
    <>
      <p className="back">
        <Link to={`/surveys/${encodeURIComponent(id)}`}>
          <span aria-hidden="true">← </span>
          {t('panel.backToStudy')}
        </Link>
      </p>
      {survey.loading && !survey.data && <Loading />}
      {survey.error != null && <ErrorAlert error={survey.error} onRetry={survey.reload} />}
      {survey.data && children(survey.data)}
    </>
  );
}
