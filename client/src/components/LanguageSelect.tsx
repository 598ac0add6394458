import { useId } from 'react';
import { type Lang, LANGS, useI18n } from '../i18n/i18n';

const NAMES: Record<Lang, string> = { en: 'English', fr: 'Français' };

export function LanguageSelect() {
  const { lang, setLang, t } = useI18n();
  const id = useId();
  return (
    <span className="lang-select">
      <label htmlFor={id} className="visually-hidden">
        {t('header.language')}
      </label>
      <select id={id} value={lang} onChange={(event) => setLang(event.target.value === 'fr' ? 'fr' : 'en')}>
        {LANGS.map((code) => (
          <option key={code} value={code} lang={code}>
            {NAMES[code]}
          </option>
        ))}
      </select>
    </span>
  );
}
