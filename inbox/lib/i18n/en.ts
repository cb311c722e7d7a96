// English translations of the inbox.
import type { MessageKey } from './nl.ts';

export const en: Record<MessageKey, string> = {
  'app.name': 'Balie',
  'app.tagline': "One inbox for the municipality's chat and e-mail",
  'language.switch': 'Nederlands',
  'language.switch_label': 'Schakel naar Nederlands',
  'login.title': 'Log in',
  'login.email': 'E-mail address',
  'login.password': 'Password',
  'login.submit': 'Log in',
  'login.busy': 'Logging in…',
  'shell.logged_in_as': 'Logged in as {name}',
  'shell.logout': 'Log out',
  'shell.inbox': 'Inbox',
  'shell.empty': 'There are no conversations in the inbox.',
  'role.agent': 'agent',
  'role.supervisor': 'supervisor',
  'role.admin': 'administrator',
  'error.invalid_credentials': 'The e-mail address or password is wrong.',
  'error.account_disabled': 'This account is disabled. Contact your administrator.',
  'error.rate_limited': 'Too many attempts. Wait a quarter of an hour and try again.',
  'error.validation_failed': 'Fill in your e-mail address and password.',
  'error.unauthorized': 'Your session has expired. Please log in again.',
  'error.network': 'Balie cannot be reached. Check your connection and try again.',
  'error.internal': 'Something went wrong. Please try again.',
};
