// The citizen's phone number, validated and normalised to E.164 with libphonenumber-js (full
// metadata, so that a number is checked against the real numbering plan, not only its length).
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

/** The Netherlands: a number typed without a country code ("06 12345678", "010-1234567") is Dutch. */
export const DEFAULT_PHONE_REGION = 'NL' as const;

/** "+31612345678" for a valid number in any common notation; undefined when it is not one. */
export function normalisePhone(text: string): string | undefined {
  const parsed = parsePhoneNumberFromString(text.trim(), DEFAULT_PHONE_REGION);
  return parsed?.isValid() ? parsed.number : undefined;
}

/** How an agent reads the number out: national for Dutch numbers ("06 12345678"), international otherwise. */
export function displayPhone(e164: string): string {
  const parsed = parsePhoneNumberFromString(e164);
  if (!parsed) return e164;
  return parsed.country === DEFAULT_PHONE_REGION ? parsed.formatNational() : parsed.formatInternational();
}
