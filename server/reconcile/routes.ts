// Admin API of the reconcile job: GET /api/reconcile reports drift, POST /api/reconcile/repair puts it right.
import { Router } from 'express';
import { recordAudit } from '../audit.ts';
import type { Pool } from '../db/index.ts';
import { requireRole } from '../http/auth.ts';
import type { Logger } from '../log.ts';
import { reconcileInbox } from './reconcile.ts';

/** Admin only: the job reads every conversation and briefly locks each batch of them. Mount at /reconcile. */
export function reconcileRoutes({ pool, log }: { pool: Pool; log: Logger }): Router {
  const router = Router();
  router.get('/', requireRole('admin'), async (_req, res) => {
    const report = await reconcileInbox(pool);
    if (!report.clean) log.warn({ sortKeys: report.sortKeys.drifted, counts: report.counts.drifted, milestones: report.milestones.drifted, recompute: report.recompute }, 'reconcile found drift');
    res.json(report);
  });
  router.post('/repair', requireRole('admin'), async (req, res) => {
    const report = await reconcileInbox(pool, { repair: true });
    if (report.repaired) {
      const drift = { sortKeys: report.sortKeys.drifted, counts: report.counts.drifted, milestones: report.milestones.drifted };
      log.warn({ agentId: req.agent!.id, ...drift }, 'reconcile repaired drift');
      await recordAudit(pool, { agentId: req.agent!.id, action: 'reconcile.repaired', subjectType: 'inbox', subjectId: 'derived', details: drift });
    }
    res.json(report);
  });
  return router;
}
