import { useTranslation } from 'react-i18next';
import { LanguageSwitch } from '../components/LanguageSwitch';

/**
 * The experts' entry through their personal link /p/:token. A placeholder
 * until the participation issue; it is not part of the staff shell and never
 * shows the token (a secret).
 */
export function ExpertEntryPage() {
  const { t } = useTranslation();
  return (
    <div className="login-page">
      <header className="login-header">
        <p className="brand">{t('app.name')}</p>
        <LanguageSwitch />
      </header>
      <main id="main" className="login-main">
        <title>{`${t('expert.title')} – ${t('app.name')}`}</title>
        <h1>{t('expert.title')}</h1>
        <p>{t('expert.placeholder')}</p>
      </main>
    </div>
  );
}

export default ExpertEntryPage;
