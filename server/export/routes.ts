// GET /api/export/{conversations,contacts,milestones,handoffs}.csv?from&to[&bom][&delimiter]:
// supervisors, admins and API tokens with export:read. Mounted before requireAgent (a token has
// no session), and audited before the first byte: who exported what period.
import { Router, type Response } from 'express';
import { z } from 'zod';
import { acceptApiToken, auditCaller } from '../api-tokens/index.ts';
import type { Pool } from '../db/index.ts';
import { requireRole } from '../http/auth.ts';
import { HttpError, validate } from '../http/errors.ts';
import { limiter } from '../http/rate-limit.ts';
import type { Logger } from '../log.ts';
import { DATASETS, datasetQuery, type Dataset } from './datasets.ts';
import { boundary, periodOf } from './period.ts';
import { streamCsv } from './stream.ts';

/**
 * Exports streaming at once on this instance. Each holds a connection of the request pool for
 * as long as its reader takes: a BI tool pulling everything in parallel must not leave the
 * inbox without connections.
 */
export const EXPORT_CONCURRENCY = 2;

const flag = z.enum(['true', 'false', '1', '0']).transform((value) => value === 'true' || value === '1');

export const exportQuery = z.strictObject({
  from: boundary.optional(),
  to: boundary.optional(),
  /** UTF-8 byte order mark, for Excel. */
  bom: flag.default(false),
  /** comma (RFC 4180), or semicolon for Excel with Dutch regional settings. */
  delimiter: z.enum(['comma', 'semicolon']).default('comma'),
});

export const datasetParam = z.strictObject({ dataset: z.enum(DATASETS) });

export function exportRoutes({ pool, log }: { pool: Pool; log: Logger }): Router {
  const router = Router();
  let running = 0;

  router.use(
    // A BI tool's refresh asks a few files a minute; more is a loop or a leaked token.
    limiter({ windowMs: 60_000, limit: 30 }),
    acceptApiToken(pool, 'export:read'),
    (req, res, next) => (req.apiToken ? next() : requireRole('supervisor')(req, res, next)),
  );

  router.get('/:dataset.csv', async (req, res) => {
    const { dataset } = validate(datasetParam, req.params);
    const query = validate(exportQuery, req.query);
    const period = periodOf(query);
    if (period === 'empty') throw new HttpError(400, 'validation_failed', 'to: must be after from', [{ field: 'to', message: 'must be after from' }]);
    if (running >= EXPORT_CONCURRENCY) {
      res.set('Retry-After', '30');
      throw new HttpError(429, 'export_busy', `${EXPORT_CONCURRENCY} exports are running; try again in a moment.`);
    }
    running += 1;
    try {
      const from = period.from.toISO()!;
      const to = period.to.toISO()!;
      await auditCaller(pool, req, { action: 'export.downloaded', subjectType: 'export', subjectId: dataset, details: { dataset, from, to } });
      startCsv(res, dataset, period.from.toISODate()!, period.to.toISODate()!);
      const rows = await streamCsv(pool, datasetQuery(dataset), { from: period.from.toJSDate(), to: period.to.toJSDate() }, res, {
        bom: query.bom,
        delimiter: query.delimiter === 'semicolon' ? ';' : ',',
      }).catch((error: unknown) => {
        // Once the first rows are out the status is sent: a failure can only cut the response
        // off (chunked, without its last chunk), which every client reports as an error.
        if (!res.headersSent) {
          res.removeHeader('Content-Disposition');
          throw error;
        }
        if (!res.destroyed) res.destroy();
        const premature = (error as { code?: string }).code === 'ERR_STREAM_PREMATURE_CLOSE';
        log[premature ? 'info' : 'error']({ err: error, dataset, from, to }, premature ? 'export reader went away' : 'export failed while streaming');
        return undefined;
      });
      if (rows !== undefined) log.info({ dataset, from, to, rows, apiTokenId: req.apiToken?.id, agentId: req.agent?.id }, 'export streamed');
    } finally {
      running -= 1;
    }
  });
  return router;
}

function startCsv(res: Response, dataset: Dataset, from: string, to: string) {
  res.status(200);
  // RFC 4180 §3 registers text/csv with charset and header.
  res.set('Content-Type', 'text/csv; charset=utf-8; header=present');
  res.set('Content-Disposition', `attachment; filename="balie-${dataset}-${from}-${to}.csv"`);
  res.set('X-Content-Type-Options', 'nosniff');
}
