// Rate limits for the endpoints anyone on the internet can call.
import { rateLimit, type Options } from 'express-rate-limit';

export { ipKeyGenerator } from 'express-rate-limit';
import { errorBody, HttpError } from './errors.ts';

/** A limiter that answers with Balie's error shape and standard RateLimit headers (draft-8). */
export function limiter(options: Partial<Options> & { windowMs: number; limit: number }) {
  return rateLimit({
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    ...options,
    handler: (_req, res, _next, used) => {
      res.status(429).json(errorBody(new HttpError(429, 'rate_limited', `Too many requests; try again in ${Math.ceil(used.windowMs / 60_000)} minutes.`)));
    },
  });
}
