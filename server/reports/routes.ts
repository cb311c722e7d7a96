// Reports beside the deadline engine's compliance report: the supervisor's overview.
import { Router } from 'express';
import type { PresenceTracker } from '../chat/presence.ts';
import type { Pool } from '../db/index.ts';
import { requireRole } from '../http/auth.ts';
import { overview } from './overview.ts';

/** Supervisor or admin: GET /overview. Mount at /reports. */
export function overviewRoutes({ pool, presence }: { pool: Pool; presence: PresenceTracker }): Router {
  const router = Router();
  router.get('/overview', requireRole('supervisor'), async (_req, res) => {
    res.json(await overview(pool, presence));
  });
  return router;
}
