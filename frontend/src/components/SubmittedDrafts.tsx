import { useTranslation } from '../i18n';

/**
 * Who answered, split by whether they submitted the round: "12 abgeschickt,
 * 2 Entwürfe", and with `count` which of them the numbers count (the study's
 * feedback.count). Nothing for results from before both were counted.
 */
export function SubmittedDrafts({ submitted, drafts, count, className }: { submitted?: number | undefined; drafts?: number | undefined; count?: string | undefined; className?: string }) {
  const { t } = useTranslation();
  const s = submitted ?? 0;
  const d = drafts ?? 0;
  if (s + d === 0) return null;
  const text = t('counts.submittedDrafts', { submitted: s, count: d });
  const rule = count === 'all' ? t('counts.countedAll') : count === 'submitted' ? t('counts.countedSubmitted') : '';
  return <span className={className}>{rule ? `${text} (${rule})` : text}</span>;
}
