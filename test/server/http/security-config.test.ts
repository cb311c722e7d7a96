// The security settings of issue 12: a session's absolute lifetime and the security.txt contact.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../server/config.ts';
import { securityTxt } from '../../../server/http/static.ts';

describe('SESSION_ABSOLUTE_HOURS', () => {
  it('defaults to a day, or to SESSION_HOURS when that is longer', () => {
    expect(loadConfig({}).sessionAbsoluteHours).toBe(24);
    expect(loadConfig({ SESSION_HOURS: '48' }).sessionAbsoluteHours).toBe(48);
    expect(loadConfig({ SESSION_ABSOLUTE_HOURS: '168' }).sessionAbsoluteHours).toBe(168);
  });

  it('may not be shorter than the idle timeout', () => {
    expect(() => loadConfig({ SESSION_HOURS: '12', SESSION_ABSOLUTE_HOURS: '8' })).toThrow(ConfigError);
    expect(() => loadConfig({ SESSION_HOURS: '12', SESSION_ABSOLUTE_HOURS: '8' })).toThrow(/SESSION_ABSOLUTE_HOURS: must be at least SESSION_HOURS/);
  });
});

describe('SECURITY_CONTACT', () => {
  it('takes addresses and URIs, comma-separated; a bare address becomes mailto:', () => {
    expect(loadConfig({ SECURITY_CONTACT: 'cvd@gemeente.nl, https://www.gemeente.nl/cvd,tel:+31-20-1234567' }).securityContacts).toEqual([
      'mailto:cvd@gemeente.nl',
      'https://www.gemeente.nl/cvd',
      'tel:+31-20-1234567',
    ]);
    expect(loadConfig({}).securityContacts).toEqual([]);
  });

  it('refuses what is not a contact (http:, text)', () => {
    expect(() => loadConfig({ SECURITY_CONTACT: 'http://www.gemeente.nl/cvd' })).toThrow(/SECURITY_CONTACT/);
    expect(() => loadConfig({ SECURITY_CONTACT: 'bel ons' })).toThrow(/SECURITY_CONTACT/);
  });

  it('becomes an RFC 9116 file with an expiry within a year', () => {
    const text = securityTxt(['mailto:cvd@gemeente.nl'], new URL('https://balie.gemeente.nl'), new Date('2026-12-02T10:00:00Z'));
    expect(text).toBe(
      'Contact: mailto:cvd@gemeente.nl\nExpires: 2027-05-31T00:00:00Z\nPreferred-Languages: nl, en\nCanonical: https://balie.gemeente.nl/.well-known/security.txt\n',
    );
  });
});
