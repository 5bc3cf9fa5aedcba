import type { INestApplication } from '@nestjs/common';
import { AllExceptionsFilter } from './common/all-exceptions.filter';
import { refuseWhileDraining } from './common/graceful-shutdown';
import { requestIdMiddleware } from './common/request-id';
import { createValidationPipe } from './common/validation';
import { setupSwagger } from './docs/swagger';

/** Everything main.ts and the e2e tests share: prefix, pipes, filter, Swagger. */
export function configureApp(app: INestApplication): INestApplication {
  // API responses are never conditional GETs: skip hashing every body for an ETag.
  const express = app.getHttpAdapter().getInstance() as { set(name: string, value: unknown): void; disable(name: string): void };
  express.set('etag', false);
  express.disable('x-powered-by');
  app.use(requestIdMiddleware);
  app.use(refuseWhileDraining);
  // Prometheus scrapes /metrics, outside the API.
  app.setGlobalPrefix('api', { exclude: ['metrics'] });
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new AllExceptionsFilter());

  setupSwagger(app);
  return app;
}
