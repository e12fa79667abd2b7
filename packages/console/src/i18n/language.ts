/**
 * The page's language (English or Chinese): chosen by the person with the switch and remembered in
 * localStorage, else the browser's preference. `translator(lang)` gives the `t` function of a language.
 */
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { en, type MessageKey, zh } from './messages.js';

export type Language = 'zh' | 'en';
export const languages: readonly Language[] = ['zh', 'en'];
const storageKey = 'cdflow.language';

export function initialLanguage(): Language {
  try {
    const saved = localStorage.getItem(storageKey);
    if (saved === 'zh' || saved === 'en') return saved;
  } catch {
    // Storage disabled: fall back to the browser's language.
  }
  return navigator.language.toLowerCase().startsWith('zh') ? 'zh' : 'en';
}

export function rememberLanguage(lang: Language): void {
  try {
    localStorage.setItem(storageKey, lang);
  } catch {
    // Not remembered; the switch still works for this page.
  }
}

export type Translate = (key: MessageKey, values?: Record<string, string | number>) => string;

export function translator(lang: Language): Translate {
  const table = lang === 'zh' ? zh : en;
  return (key, values) => {
    const text: string = table[key] ?? en[key] ?? key;
    return values === undefined
      ? text
      : text.replace(/\{(\w+)\}/g, (m, name: string) => String(values[name] ?? m));
  };
}

/** A key that may not exist (an unknown plan reason, a new event type): its translation or the raw text. */
export function translateOr(t: Translate, key: string, fallback: string): string {
  return key in en ? t(key as MessageKey) : fallback;
}

export const LanguageContext = createContext<{ lang: Language; t: Translate; setLang(lang: Language): void }>(
  {
    lang: 'en',
    t: translator('en'),
    setLang: () => undefined,
  },
);

export const useI18n = () => useContext(LanguageContext);
