// Which SMTP failures end a mail at once (issue 13.2): RFC 5321 §4.2.1's permanent 5xx, but only
// where it is about this recipient or this message; everything else waits out the retry window.
import { describe, expect, it } from 'vitest';
import { isPermanentSmtpFailure, retryAfterSeconds } from '../../../server/mail/sender.ts';

describe('isPermanentSmtpFailure', () => {
  it.each([
    ['the recipient refused (550 to RCPT TO)', { code: 'EENVELOPE', command: 'RCPT TO', responseCode: 550 }],
    ['a full mailbox (552 to RCPT TO)', { code: 'EENVELOPE', command: 'RCPT TO', responseCode: 552 }],
    ['the message refused (554 after DATA)', { code: 'EMESSAGE', command: 'DATA', responseCode: 554 }],
    ['too large (552 after DATA)', { code: 'EMESSAGE', responseCode: 552 }],
  ])('%s is final', (_name, error) => {
    expect(isPermanentSmtpFailure(error)).toBe(true);
  });

  it.each([
    ['connection refused', { code: 'ESOCKET', message: 'connect ECONNREFUSED 127.0.0.1:2525' }],
    ['a timeout', { code: 'ETIMEDOUT', message: 'Greeting never received' }],
    ['DNS', { code: 'EDNS', message: 'getaddrinfo ENOTFOUND smtp.gemeente.nl' }],
    ['greylisting (450 to RCPT TO)', { code: 'EENVELOPE', command: 'RCPT TO', responseCode: 450 }],
    ['a busy server (421)', { code: 'EPROTOCOL', command: 'CONN', responseCode: 421 }],
    ['our login refused (535)', { code: 'EAUTH', command: 'AUTH PLAIN', responseCode: 535 }],
    ['our sender address refused (553 to MAIL FROM)', { code: 'EENVELOPE', command: 'MAIL FROM', responseCode: 553 }],
    ['no service (554 greeting)', { code: 'EPROTOCOL', command: 'CONN', responseCode: 554 }],
  ])('%s is retried', (_name, error) => {
    expect(isPermanentSmtpFailure(error)).toBe(false);
  });
});

describe('retryAfterSeconds', () => {
  it('doubles from 5 s and stays at the cap however many attempts there were', () => {
    expect([1, 2, 3, 4].map((attempt) => retryAfterSeconds(attempt))).toEqual([5, 10, 20, 40]);
    expect(retryAfterSeconds(9)).toBe(900);
    expect(retryAfterSeconds(500)).toBe(900);
    expect(retryAfterSeconds(3, 1)).toBe(1);
  });
});
