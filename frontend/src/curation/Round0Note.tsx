import { Link } from 'react-router';
import type { Round } from '../api/types';
import { useTranslation } from '../i18n';

/** On the rounds page of a study with round 0: what the next prepare does, and the way to the curation. */
export function Round0Note({ surveyId, rounds, writer }: { surveyId: string; rounds: Round[]; writer: boolean }) {
  const { t } = useTranslation();
  const r0 = rounds.find((r) => r.number === 0);
  const latest = rounds.at(-1);
  return (
    <div className="card">
      {writer && rounds.length === 0 && <p>{t('round0.prepare0')}</p>}
      {writer && latest?.number === 0 && latest.status === 'closed' && <p>{t('round0.prepare1')}</p>}
      {r0 && (
        <p>
          <Link to={`/surveys/${encodeURIComponent(surveyId)}/curation`}>{t('round0.curationLink')}</Link>
        </p>
      )}
    </div>
  );
}
