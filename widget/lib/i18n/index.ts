// The widget's texts: Dutch by default, English when the page or the script tag asks for it.
const nl = {
  'launcher.open': 'Chat met de gemeente',
  'panel.title': 'Chat met de gemeente',
  'panel.close': 'Chat sluiten',
  'panel.intro': 'Stel uw vraag. U krijgt antwoord van een medewerker van de gemeente.',
} as const;

export type WidgetMessageKey = keyof typeof nl;

const en: Record<WidgetMessageKey, string> = {
  'launcher.open': 'Chat with the municipality',
  'panel.title': 'Chat with the municipality',
  'panel.close': 'Close chat',
  'panel.intro': 'Ask your question. A member of staff of the municipality will answer.',
};

export type WidgetLang = 'nl' | 'en';

export function pickLang(fromScript: string | undefined, fromPage: string): WidgetLang {
  const wanted = (fromScript || fromPage || 'nl').toLowerCase();
  return wanted.startsWith('en') ? 'en' : 'nl';
}

export function translator(lang: WidgetLang) {
  const catalogue = lang === 'en' ? en : nl;
  return (key: WidgetMessageKey) => catalogue[key];
}
