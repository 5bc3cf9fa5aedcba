import type { NextFunction, Request, Response } from 'express';
import { errorCodeOf } from '../common/response-error-code';
import { routeTemplateOf } from '../logging/route-template';
import type { ClaspMetrics } from './clasp-metrics';

/** Times every request (guard refusals and 404s included) into the duration histogram; counts issue_busy answers. */
export function httpMetricsMiddleware(metrics: ClaspMetrics) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = performance.now();
    res.once('finish', () => {
      const route = routeTemplateOf(req);
      metrics.httpDuration.observe({ route, method: req.method, status: String(res.statusCode) }, (performance.now() - started) / 1000);
      if (errorCodeOf(res) === 'issue_busy') metrics.issueBusy.inc({ route });
    });
    next();
  };
}
