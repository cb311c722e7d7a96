import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config.ts';

function problem(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a configuration error');
}

describe('loadConfig', () => {
  it('gives working defaults for a newcomer', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.databaseUrl).toBeUndefined();
    expect(config.dataDir).toMatch(/\/data$/);
    expect(config.publicUrl.href).toBe('http://localhost:3000/');
    expect(config.referencePrefix).toBe('BAL');
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('names the variable and the value when PORT is not a number', () => {
    const error = problem({ PORT: 'abc' });
    expect(error.variable).toBe('PORT');
    expect(error.message).toContain('PORT');
    expect(error.message).toContain('"abc"');
  });

  it.each([
    [{ PORT: '70000' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://localhost/x' }, 'DATABASE_URL'],
    [{ PUBLIC_URL: 'not a url' }, 'PUBLIC_URL'],
    [{ WIDGET_ORIGINS: 'https://www.gemeente.nl,ftp://x' }, 'WIDGET_ORIGINS'],
    [{ ADMIN_EMAIL: 'nobody', ADMIN_PASSWORD: 'long enough password' }, 'ADMIN_EMAIL'],
    [{ ADMIN_EMAIL: 'a@b.nl', ADMIN_PASSWORD: 'short' }, 'ADMIN_PASSWORD'],
    [{ ADMIN_EMAIL: 'a@b.nl' }, 'ADMIN_PASSWORD'],
    [{ REFERENCE_PREFIX: 'bal' }, 'REFERENCE_PREFIX'],
  ])('rejects %o naming %s', (env, variable) => {
    expect(problem(env).variable).toBe(variable);
  });

  it('never echoes a password or database URL in the error', () => {
    expect(problem({ DATABASE_URL: 'mysql://u:secret@h/x' }).message).not.toContain('secret');
  });

  it('normalises widget origins and treats empty values as unset', () => {
    const config = loadConfig({ WIDGET_ORIGINS: ' https://www.gemeente.nl/contact , http://localhost:8080 ', PORT: '' });
    expect(config.widgetOrigins).toEqual(['https://www.gemeente.nl', 'http://localhost:8080']);
    expect(config.port).toBe(3000);
  });
});
