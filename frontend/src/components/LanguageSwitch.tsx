import { LANGUAGES, setLanguage, useTranslation } from '../i18n';
import { baseLang } from '../text';

/** Two toggle buttons, Deutsch / English; the choice is remembered. */
export function LanguageSwitch() {
  const { t, i18n } = useTranslation();
  const current = baseLang(i18n.resolvedLanguage ?? i18n.language);
  return (
    <div className="lang-switch" role="group" aria-label={t('lang.switchLabel')}>
      {LANGUAGES.map((l) => (
        <button
          key={l}
          type="button"
          lang={l}
          aria-pressed={current === l}
          onClick={() => void setLanguage(l)}
        >
          {t(`lang.${l}`)}
        </button>
      ))}
    </div>
  );
}
