// The gemeente's service settings in PostgreSQL: active norm, own norms, calendar data, chat hours, due-soon threshold.
import { z } from 'zod';
import type { Db } from '../db/index.ts';
import { formatWeeklyHours, parseWeeklyHoursExplained, validateWeeklyHours, WEEKDAYS, type WeeklyHours } from './business-hours.ts';
import { WorkingCalendar } from './calendar.ts';
import { parseIsoDate } from './dates.ts';
import { NORM_PRESETS, normPreset, normSchema, type Norm } from './norms.ts';
import { DEFAULT_BUSINESS_HOURS } from './business-hours.ts';
import { SEED_GELIJKGESTELDE_DAGEN } from './seed.ts';

export interface GelijkgesteldeDag {
  readonly date: string;
  readonly name: string;
  readonly source?: string;
}

export interface ServiceSettings {
  readonly activeNormId: string;
  readonly businessHours: WeeklyHours;
  readonly chatHours: WeeklyHours;
  readonly closureDays: readonly string[];
  readonly gelijkgesteldeDagen: readonly GelijkgesteldeDag[];
  /** Business hours before the due time at which a milestone becomes due soon. */
  readonly dueSoonHours: number;
  readonly version: number;
  readonly updatedAt: string | null;
}

/** What the environment seeds at first start (config.serviceSeed). */
export interface ServiceSeed {
  readonly normId: string;
  readonly businessHours: WeeklyHours;
  readonly chatHours: WeeklyHours;
  readonly closureDays: readonly string[];
  readonly dueSoonHours: number;
}

/** Everything deadline code needs at one moment: the settings, their calendar and every norm by id. */
export interface ServiceContext {
  readonly settings: ServiceSettings;
  readonly calendar: WorkingCalendar;
  readonly activeNorm: Norm;
  readonly norms: ReadonlyMap<string, Norm>;
}

const DEFAULT_SEED: ServiceSeed = {
  normId: 'vng',
  businessHours: DEFAULT_BUSINESS_HOURS,
  chatHours: DEFAULT_BUSINESS_HOURS,
  closureDays: [],
  dueSoonHours: 4,
};

/** The settings of a Balie that has not been started yet (no row): the seed, or domain.md's defaults. */
export function seededSettings(seed: ServiceSeed = DEFAULT_SEED): ServiceSettings {
  return {
    activeNormId: seed.normId,
    businessHours: seed.businessHours,
    chatHours: seed.chatHours,
    closureDays: [...seed.closureDays],
    gelijkgesteldeDagen: SEED_GELIJKGESTELDE_DAGEN,
    dueSoonHours: seed.dueSoonHours,
    version: 0,
    updatedAt: null,
  };
}

/**
 * Writes the first settings from the environment, once: several instances starting together
 * race on the primary key and the first wins. Returns whether this call seeded them.
 */
export async function ensureServiceSettings(db: Db, seed: ServiceSeed): Promise<boolean> {
  const s = seededSettings(seed);
  const result = await db.query(
    `INSERT INTO service_settings (active_norm_id, business_hours, chat_hours, closure_days, gelijkgestelde_dagen, due_soon_hours)
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING`,
    [s.activeNormId, JSON.stringify(s.businessHours), JSON.stringify(s.chatHours), JSON.stringify(s.closureDays), JSON.stringify(s.gelijkgesteldeDagen), s.dueSoonHours],
  );
  return result.rowCount === 1;
}

interface SettingsRow {
  active_norm_id: string;
  business_hours: WeeklyHours;
  chat_hours: WeeklyHours;
  closure_days: string[];
  gelijkgestelde_dagen: GelijkgesteldeDag[];
  due_soon_hours: string;
  version: number;
  updated_at: Date;
}

function hoursFromJson(value: WeeklyHours): WeeklyHours {
  const checked = validateWeeklyHours(value);
  if (!checked.ok) throw new Error(`stored hours are invalid: ${checked.error}`);
  return checked.value;
}

/** The current settings; `lock` takes the row lock for a read-modify-write. */
export async function loadServiceSettings(db: Db, options: { lock?: boolean } = {}): Promise<ServiceSettings> {
  const { rows } = await db.query<SettingsRow>(`SELECT * FROM service_settings WHERE id${options.lock ? ' FOR UPDATE' : ''}`);
  const row = rows[0];
  if (!row) return seededSettings();
  return {
    activeNormId: row.active_norm_id,
    businessHours: hoursFromJson(row.business_hours),
    chatHours: hoursFromJson(row.chat_hours),
    closureDays: row.closure_days,
    gelijkgesteldeDagen: row.gelijkgestelde_dagen,
    dueSoonHours: Number(row.due_soon_hours),
    version: row.version,
    updatedAt: row.updated_at.toISOString(),
  };
}

export async function listCustomNorms(db: Db): Promise<Norm[]> {
  const { rows } = await db.query<{ definition: Norm }>('SELECT definition FROM custom_norms ORDER BY id');
  return rows.map((row) => row.definition);
}

/** Presets first, then the gemeente's own norms. */
export async function allNorms(db: Db): Promise<Map<string, Norm>> {
  return new Map([...NORM_PRESETS, ...(await listCustomNorms(db))].map((norm) => [norm.id, norm]));
}

export async function findNorm(db: Db, id: string): Promise<Norm | undefined> {
  const preset = normPreset(id);
  if (preset) return preset;
  const { rows } = await db.query<{ definition: Norm }>('SELECT definition FROM custom_norms WHERE id = $1', [id]);
  return rows[0]?.definition;
}

// Calendars memoise holidays and due days: keep the few recent ones rather than rebuilding per call.
const calendars = new Map<string, WorkingCalendar>();

/** The working calendar of these settings (shared between calls with equal calendar data). */
export function calendarOf(settings: ServiceSettings): WorkingCalendar {
  const key = JSON.stringify([settings.businessHours, settings.closureDays, settings.gelijkgesteldeDagen]);
  let calendar = calendars.get(key);
  if (!calendar) {
    calendar = new WorkingCalendar({ businessHours: settings.businessHours, closureDays: settings.closureDays, extraHolidays: settings.gelijkgesteldeDagen });
    if (calendars.size >= 8) calendars.delete(calendars.keys().next().value!);
    calendars.set(key, calendar);
  }
  return calendar;
}

export async function loadServiceContext(db: Db): Promise<ServiceContext> {
  const [settings, norms] = await Promise.all([loadServiceSettings(db), allNorms(db)]);
  // A custom active norm cannot vanish (there is no delete), but fall back rather than fail a mail.
  const activeNorm = norms.get(settings.activeNormId) ?? normPreset('vng')!;
  return { settings, calendar: calendarOf(settings), activeNorm, norms };
}

// ── Changes by an admin ────────────────────────────────────────────────────

// Each refusal names its problem code (params.code) for the inbox to say in its language (issue 16).
const isoDate = z.string().refine((value) => parseIsoDate(value) !== null, { message: 'must be a date YYYY-MM-DD', params: { code: 'date_invalid' } });

const hoursText = (allowNever: boolean) =>
  z.string().max(2000).transform((value, ctx) => {
    const parsed = parseWeeklyHoursExplained(value);
    if (!parsed.ok) {
      ctx.addIssue({ code: 'custom', message: parsed.error, params: { code: parsed.problem.code, ...parsed.problem.params } });
      return z.NEVER;
    }
    if (!allowNever && WEEKDAYS.every((day) => parsed.value[day].length === 0)) {
      ctx.addIssue({ code: 'custom', message: 'business hours must open at least once a week', params: { code: 'hours_never_open' } });
      return z.NEVER;
    }
    return parsed.value;
  });

const uniqueSorted = <T>(items: readonly T[], key: (item: T) => string): T[] =>
  [...new Map(items.map((item) => [key(item), item])).values()].sort((a, b) => key(a).localeCompare(key(b)));

/** PUT /api/settings/service: any subset of the settings; hours in the BUSINESS_HOURS syntax. */
export const settingsPatchSchema = z
  .strictObject({
    activeNormId: z.string().min(1).max(64),
    businessHours: hoursText(false),
    chatHours: hoursText(true),
    closureDays: z.array(isoDate).max(1000).transform((days) => uniqueSorted(days, (day) => day)),
    gelijkgesteldeDagen: z
      .array(z.strictObject({ date: isoDate, name: z.string().trim().min(1).max(120), source: z.string().trim().max(500).optional() }))
      .max(1000)
      .transform((days) => uniqueSorted(days, (day) => day.date)),
    dueSoonHours: z.number().min(0).max(40),
  })
  .partial()
  .refine((patch) => Object.keys(patch).length > 0, 'give at least one setting to change');

export type SettingsPatch = z.infer<typeof settingsPatchSchema>;

/** What a teamleider may change (issue 16): the hours and the closure days. The rest is the admin's. */
export const SUPERVISOR_SETTINGS: readonly string[] = ['businessHours', 'chatHours', 'closureDays'];

/** The settings in a raw request body that this role may not change (checked before validation). */
export function settingsBeyondRole(body: unknown, role: string): string[] {
  if (role === 'admin') return [];
  const keys = typeof body === 'object' && body !== null && !Array.isArray(body) ? Object.keys(body) : [];
  return role === 'supervisor' ? keys.filter((key) => !SUPERVISOR_SETTINGS.includes(key)) : keys.length > 0 ? keys : ['(body)'];
}

/** Applies a validated patch (the caller checked that activeNormId exists) and bumps the version. */
export async function updateServiceSettings(tx: Db, patch: SettingsPatch, agentId: number | null): Promise<ServiceSettings> {
  const current = await loadServiceSettings(tx, { lock: true });
  const next = { ...current, ...patch };
  await tx.query(
    `INSERT INTO service_settings AS s (active_norm_id, business_hours, chat_hours, closure_days, gelijkgestelde_dagen, due_soon_hours, updated_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (id) DO UPDATE SET active_norm_id = $1, business_hours = $2, chat_hours = $3, closure_days = $4,
       gelijkgestelde_dagen = $5, due_soon_hours = $6, updated_by = $7, version = s.version + 1, updated_at = now()`,
    [next.activeNormId, JSON.stringify(next.businessHours), JSON.stringify(next.chatHours), JSON.stringify(next.closureDays), JSON.stringify(next.gelijkgesteldeDagen), next.dueSoonHours, agentId],
  );
  return loadServiceSettings(tx);
}

/** Creates or replaces one of the gemeente's own norms (validated with normSchema by the caller). */
export async function saveCustomNorm(db: Db, norm: Norm): Promise<'created' | 'updated'> {
  const { rows } = await db.query<{ created: boolean }>(
    `INSERT INTO custom_norms (id, definition) VALUES ($1, $2)
     ON CONFLICT (id) DO UPDATE SET definition = $2, updated_at = now()
     RETURNING (xmax = 0) AS created`,
    [norm.id, JSON.stringify(norm)],
  );
  const created = rows[0]!.created;
  // Open milestones of an edited norm take its new terms: the recompute follows the settings
  // version, so an edit counts as a change of the settings (a new norm has no milestones yet).
  if (!created) await db.query('UPDATE service_settings SET version = version + 1, updated_at = now()');
  return created ? 'created' : 'updated';
}

export { normSchema };

/** Settings as the API shows them: hours in the same syntax as BUSINESS_HOURS. */
export function settingsView(settings: ServiceSettings) {
  return {
    activeNormId: settings.activeNormId,
    businessHours: formatWeeklyHours(settings.businessHours),
    chatHours: formatWeeklyHours(settings.chatHours),
    closureDays: settings.closureDays,
    gelijkgesteldeDagen: settings.gelijkgesteldeDagen,
    dueSoonHours: settings.dueSoonHours,
    version: settings.version,
    updatedAt: settings.updatedAt,
  };
}
