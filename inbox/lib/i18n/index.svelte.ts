// The inbox's language: Dutch by default, English on request; remembered on this device.
import { en } from './en.ts';
import { nl, type MessageKey } from './nl.ts';

export type Lang = 'nl' | 'en';
export type { MessageKey };

const catalogues = { nl, en } as const;
const STORAGE_KEY = 'balie.inbox.lang';

class I18n {
  lang = $state<Lang>(I18n.initial());

  private static initial(): Lang {
    const stored = globalThis.localStorage?.getItem(STORAGE_KEY);
    return stored === 'en' || stored === 'nl' ? stored : 'nl';
  }

  set(lang: Lang) {
    this.lang = lang;
    localStorage.setItem(STORAGE_KEY, lang);
    document.documentElement.lang = lang;
  }

  /** Translates a key, filling `{name}` placeholders. */
  t = (key: MessageKey, values: Record<string, string> = {}): string =>
    catalogues[this.lang][key].replace(/\{(\w+)\}/g, (_, name: string) => values[name] ?? `{${name}}`);

  /** Translates an error code from the server; unknown codes get the generic message. */
  error = (code: string): string => {
    const key = `error.${code}` as MessageKey;
    return key in nl ? this.t(key) : this.t('error.internal');
  };
}

export const i18n = new I18n();
