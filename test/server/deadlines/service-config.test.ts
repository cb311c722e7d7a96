// NORM, BUSINESS_HOURS, CHAT_HOURS, CLOSURE_DAYS and DUE_SOON_HOURS: defaults, and one clear error naming the variable.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../server/config.ts';
import { formatWeeklyHours } from '../../../server/deadlines/index.ts';

function problem(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a configuration error');
}

describe('service settings from the environment', () => {
  it('defaults to vng, mon-fri 08:30-17:00, chat hours = business hours, no closure days, due soon 4 h', () => {
    const { serviceSeed } = loadConfig({});
    expect(serviceSeed.normId).toBe('vng');
    expect(formatWeeklyHours(serviceSeed.businessHours)).toBe('mon-fri 08:30-17:00');
    expect(serviceSeed.chatHours).toBe(serviceSeed.businessHours);
    expect(serviceSeed.closureDays).toEqual([]);
    expect(serviceSeed.dueSoonHours).toBe(4);
  });

  it('reads every variable', () => {
    const { serviceSeed } = loadConfig({
      NORM: 'rotterdam',
      BUSINESS_HOURS: 'mon-thu 08:30-12:00,13:00-17:00; fri 08:30-12:00',
      CHAT_HOURS: 'always',
      CLOSURE_DAYS: '2026-12-31, 2026-12-28,2026-12-31',
      DUE_SOON_HOURS: '2',
    });
    expect(serviceSeed).toMatchObject({ normId: 'rotterdam', closureDays: ['2026-12-28', '2026-12-31'], dueSoonHours: 2 });
    expect(formatWeeklyHours(serviceSeed.businessHours)).toBe('mon-thu 08:30-12:00,13:00-17:00; fri 08:30-12:00');
    expect(formatWeeklyHours(serviceSeed.chatHours)).toBe('always');
    // CHAT_HOURS unset follows BUSINESS_HOURS.
    expect(formatWeeklyHours(loadConfig({ BUSINESS_HOURS: 'mon-fri 09:00-16:00' }).serviceSeed.chatHours)).toBe('mon-fri 09:00-16:00');
  });

  it.each([
    [{ NORM: 'utrecht' }, 'NORM', 'must be one of vng, sturen-op-antwoord'],
    [{ BUSINESS_HOURS: 'mon-fri 8:30-17:00' }, 'BUSINESS_HOURS', 'is not a time'],
    [{ BUSINESS_HOURS: 'never' }, 'BUSINESS_HOURS', 'at least once a week'],
    [{ CHAT_HOURS: 'weekdays' }, 'CHAT_HOURS', 'needs days and times'],
    [{ CLOSURE_DAYS: '2026-12-28,28-12-2026' }, 'CLOSURE_DAYS', '"28-12-2026" is not a date'],
    [{ DUE_SOON_HOURS: 'soon' }, 'DUE_SOON_HOURS', 'must be a number'],
    [{ DUE_SOON_HOURS: '50' }, 'DUE_SOON_HOURS', 'between 0 and 40'],
  ])('%o is refused naming %s', (env, variable, message) => {
    const error = problem(env);
    expect(error.variable).toBe(variable);
    expect(error.message).toContain(variable);
    expect(error.message).toContain(message);
  });
});
