import { en, type MessageKey, type Messages } from './en';
import { fr } from './fr';

export type Lang = 'en' | 'fr';
export const LANGS: readonly Lang[] = ['en', 'fr'];
const CATALOGS: Record<Lang, Messages> = { en, fr };

/** Keys that exist as `<base>.one` and `<base>.other`: usable with `tn`. */
export type PluralBase = { [K in MessageKey]: K extends `${infer B}.one` ? (`${B}.other` extends MessageKey ? B : never) : never }[MessageKey];

export type Vars = Record<string, string | number>;

export interface I18n {
  lang: Lang;
  setLang(lang: Lang): void;
  t(key: MessageKey, vars?: Vars): string;
  tn(base: PluralBase, count: number, vars?: Vars): string;
  number(value: number, options?: Intl.NumberFormatOptions): string;
  percent(ratio: number): string;
  date(iso: string | Date): string;
  dateTime(iso: string | Date): string;
  time(iso: string | Date): string;
  duration(seconds: number): string;
  bytes(value: number): string;
}

/**
 * The messages and formats of one language. Plain (no React): the provider memoizes it per
 * language, and tests word messages with it directly.
 */
export function createI18n(lang: Lang, setLang: (lang: Lang) => void = () => {}): I18n {
  const messages = CATALOGS[lang];
  const numberFormat = new Intl.NumberFormat(lang);
  const percentFormat = new Intl.NumberFormat(lang, { style: 'percent', maximumFractionDigits: 0 });
  const dateFormat = new Intl.DateTimeFormat(lang, { dateStyle: 'medium' });
  const dateTimeFormat = new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short' });
  const timeFormat = new Intl.DateTimeFormat(lang, { timeStyle: 'short' });
  const plural = new Intl.PluralRules(lang);
  const interpolate = (text: string, vars?: Vars) =>
    vars
      ? text.replace(/\{(\w+)\}/g, (whole, name: string) => {
          const v = vars[name];
          if (v === undefined) return whole;
          return typeof v === 'number' ? numberFormat.format(v) : v;
        })
      : text;
  const unit = (u: string, n: number) =>
    new Intl.NumberFormat(lang, { style: 'unit', unit: u, unitDisplay: 'long', maximumFractionDigits: 0 }).format(n);
  return {
    lang,
    setLang,
    t: (key, vars) => interpolate(messages[key], vars),
    tn: (base, count, vars) => {
      const key = (plural.select(count) === 'one' ? `${base}.one` : `${base}.other`) as MessageKey;
      return interpolate(messages[key], { count, ...vars });
    },
    number: (n, options) => (options ? new Intl.NumberFormat(lang, options).format(n) : numberFormat.format(n)),
    percent: (ratio) => percentFormat.format(ratio),
    date: (iso) => dateFormat.format(typeof iso === 'string' ? new Date(iso) : iso),
    dateTime: (iso) => dateTimeFormat.format(typeof iso === 'string' ? new Date(iso) : iso),
    time: (iso) => timeFormat.format(typeof iso === 'string' ? new Date(iso) : iso),
    duration: (seconds) => {
      const s = Math.max(0, Math.round(seconds));
      if (s < 60) return unit('second', s);
      if (s < 3600) return unit('minute', Math.round(s / 60));
      return `${unit('hour', Math.floor(s / 3600))} ${unit('minute', Math.round((s % 3600) / 60))}`;
    },
    bytes: (n) => {
      if (n < 1024) return unit('byte', n);
      if (n < 1024 * 1024) return new Intl.NumberFormat(lang, { style: 'unit', unit: 'kilobyte', maximumFractionDigits: 1 }).format(n / 1024);
      return new Intl.NumberFormat(lang, { style: 'unit', unit: 'megabyte', maximumFractionDigits: 1 }).format(n / (1024 * 1024));
    },
  };
}
