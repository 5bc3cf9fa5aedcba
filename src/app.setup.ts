import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { AGENT_SCHEME, BOARD_SCHEME } from './auth/access.decorator';
import { AllExceptionsFilter } from './common/all-exceptions.filter';
import { refuseWhileDraining } from './common/graceful-shutdown';
import { requestIdMiddleware } from './common/request-id';
import { createValidationPipe } from './common/validation';
import { APP_VERSION } from './common/version';

/** Everything main.ts and the e2e tests share: prefix, pipes, filter, Swagger. */
export function configureApp(app: INestApplication): INestApplication {
  // API responses are never conditional GETs: skip hashing every body for an ETag.
  const express = app.getHttpAdapter().getInstance() as { set(name: string, value: unknown): void; disable(name: string): void };
  express.set('etag', false);
  express.disable('x-powered-by');
  app.use(requestIdMiddleware);
  app.use(refuseWhileDraining);
  app.setGlobalPrefix('api');
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new AllExceptionsFilter());

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Clasp')
      .setDescription(
        'Control plane for AI-agent teams: issue checkout, ownership and audit. Errors are `{error, code, details}`. ' +
          'Board users authorize with a `clasp_board_…` key; agents with a `clasp_agent_…` key or a run JWT (plus `X-Paperclip-Run-Id`).',
      )
      .setVersion(APP_VERSION)
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'clasp_board_<48 hex>', description: 'Board key: clasp_board_…' }, BOARD_SCHEME)
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'clasp_agent_<48 hex> or run JWT', description: 'Agent key clasp_agent_… or run JWT' }, AGENT_SCHEME)
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', swaggerOptions: { persistAuthorization: true } });
  return app;
}
