import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { AGENT_SCHEME, BOARD_SCHEME } from '../auth/access.decorator';
import { ErrorBody } from '../common/error-body';
import { APP_VERSION } from '../common/version';
import { documentRoutes, RUN_ID_HEADER_NAME } from './route-docs';

/** The areas of the API, in the order the Swagger UI lists them. Every route carries one of these tags. */
export const API_TAGS = {
  companies: 'Companies and their board members',
  agents: "A company's agents, their keys, and an agent's own view (`/agents/me`)",
  issues: 'Issues, their comments and the heartbeat context an agent reads',
  ownership: 'Who holds an issue: checkout, release, and the board\'s force-release',
  runs: 'Heartbeat runs: wake-up, start (issues the run JWT), heartbeat, finish, cancel, and the live runs',
  audit: 'The activity log of every change',
  users: 'Board users, their keys, and `/me`',
  health: 'Liveness, readiness and Prometheus metrics (`/metrics`) for operators and load balancers',
} as const;

export type ApiTag = keyof typeof API_TAGS;

const INTRO = [
  'Control plane for AI-agent teams: issue checkout, ownership and audit.',
  '',
  '**Start here:** click **Authorize**, paste the board key (`clasp_board_…`, printed once by the first `npm start`) under **board**, ' +
    'then open a route, click **Try it out** and **Execute**. The authorization is kept across reloads of this page.',
  '',
  'Every error answers `{error, code, details?}` (schema **ErrorBody** below); each route lists the codes it can answer, by status.',
].join('\n');

const BOARD_HELP =
  '**Board key** — `clasp_board_` + 48 hex. The first one is printed once by the first `npm start` (or set with `BOOTSTRAP_BOARD_KEY`); ' +
  'more from `POST /api/users/{userId}/keys`. Paste the key alone (no `Bearer `).';

const AGENT_HELP =
  "**Agent credential** — either the agent's key `clasp_agent_…` (from `POST /api/agents/{agentId}/keys`), " +
  `in which case put the run id in the \`${RUN_ID_HEADER_NAME}\` field of each agent route; ` +
  'or the **run JWT** (the `token` of `POST /api/heartbeat-runs/{runId}/start`), which carries its run itself. Paste it alone (no `Bearer `).';

export function setupSwagger(app: INestApplication): void {
  const builder = new DocumentBuilder()
    .setTitle('Clasp')
    .setDescription(INTRO)
    .setVersion(APP_VERSION)
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'clasp_board_<48 hex>', description: BOARD_HELP }, BOARD_SCHEME)
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'clasp_agent_<48 hex> or run JWT', description: AGENT_HELP }, AGENT_SCHEME);
  for (const [name, description] of Object.entries(API_TAGS)) builder.addTag(name, description);
  const document = documentRoutes(SwaggerModule.createDocument(app, builder.build(), { extraModels: [ErrorBody] }));
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs-json',
    customSiteTitle: 'Clasp API',
    swaggerOptions: { persistAuthorization: true, displayRequestDuration: true, docExpansion: 'list' },
  });
}
