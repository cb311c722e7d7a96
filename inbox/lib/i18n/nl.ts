// Dutch, the default language of the inbox. Flat keys.
export const nl = {
  'app.name': 'Balie',
  'app.tagline': 'Eén inbox voor chat en e-mail van de gemeente',
  'language.switch': 'English',
  'language.switch_label': 'Switch to English',
  'login.title': 'Inloggen',
  'login.email': 'E-mailadres',
  'login.password': 'Wachtwoord',
  'login.submit': 'Inloggen',
  'login.busy': 'Bezig met inloggen…',
  'shell.logged_in_as': 'Ingelogd als {name}',
  'shell.logout': 'Uitloggen',
  'shell.inbox': 'Inbox',
  'shell.empty': 'Er staan geen gesprekken in de inbox.',
  'role.agent': 'klantcontactmedewerker',
  'role.supervisor': 'teamleider',
  'role.admin': 'beheerder',
  'error.invalid_credentials': 'Het e-mailadres of het wachtwoord klopt niet.',
  'error.account_disabled': 'Dit account is uitgeschakeld. Neem contact op met uw beheerder.',
  'error.rate_limited': 'Te veel pogingen. Wacht een kwartier en probeer het dan opnieuw.',
  'error.validation_failed': 'Vul uw e-mailadres en wachtwoord in.',
  'error.unauthorized': 'Uw sessie is verlopen. Log opnieuw in.',
  'error.network': 'Balie is niet bereikbaar. Controleer uw verbinding en probeer het opnieuw.',
  'error.internal': 'Er ging iets mis. Probeer het opnieuw.',
} as const;

export type MessageKey = keyof typeof nl;
