// Whether the public norm page is published: off until an admin opts in (issue 15 §6).
import type { Db } from '../db/index.ts';

export interface PublicPageSettings {
  enabled: boolean;
  /** When it was last switched (ISO), null while never set. */
  updatedAt: string | null;
}

export async function loadPublicPageSettings(db: Db): Promise<PublicPageSettings> {
  const { rows } = await db.query<PublicPageSettings>(`SELECT enabled, to_json(updated_at) #>> '{}' AS "updatedAt" FROM public_page_settings`);
  return rows[0] ?? { enabled: false, updatedAt: null };
}

export async function savePublicPageSettings(db: Db, enabled: boolean, agentId: number): Promise<PublicPageSettings> {
  const { rows } = await db.query<PublicPageSettings>(
    `INSERT INTO public_page_settings (id, enabled, updated_by) VALUES (true, $1, $2)
     ON CONFLICT (id) DO UPDATE SET enabled = EXCLUDED.enabled, updated_by = EXCLUDED.updated_by, updated_at = now()
     RETURNING enabled, to_json(updated_at) #>> '{}' AS "updatedAt"`,
    [enabled, agentId],
  );
  return rows[0]!;
}
