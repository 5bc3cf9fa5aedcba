import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { AgentsController } from '../agents/agents.controller';
import { ActivityController } from '../audit/activity.controller';
import { CompaniesController } from '../companies/companies.controller';
import { HealthController } from '../health/health.controller';
import { CommentsController } from '../issues/comments.controller';
import { InboxController } from '../issues/inbox.controller';
import { IssuesController } from '../issues/issues.controller';
import { OwnershipController } from '../issues/ownership/ownership.controller';
import { LiveRunsController } from '../runs/live-runs.controller';
import { RunsController } from '../runs/runs.controller';
import { HeartbeatContextController } from '../issues/heartbeat-context.controller';
import { UsersController } from '../users/users.controller';
import { ACCESS_RULE, AccessRule, PUBLIC_ROUTE } from './access.decorator';
import { MeController } from './me.controller';

const CONTROLLERS = [
  HealthController, MeController, UsersController, CompaniesController, AgentsController, InboxController,
  IssuesController, OwnershipController, CommentsController, ActivityController, RunsController, LiveRunsController, HeartbeatContextController,
];

function describeRule(rule: AccessRule | undefined, isPublic: boolean): string {
  if (isPublic) return 'public';
  if (!rule) return 'UNGUARDED';
  return [rule.board ? `board:${rule.board}` : null, rule.agent ? 'agent' : null].filter(Boolean).join(' + ');
}

/** Which rule guards every route: a change to who may call what must show up in this table. */
function routeTable(): Record<string, string> {
  const table: Record<string, string> = {};
  for (const controller of CONTROLLERS) {
    const base = Reflect.getMetadata(PATH_METADATA, controller) as string;
    for (const name of Object.getOwnPropertyNames(controller.prototype)) {
      const handler = (controller.prototype as unknown as Record<string, object>)[name];
      const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
      if (method === undefined || name === 'constructor') continue;
      const path = [base, Reflect.getMetadata(PATH_METADATA, handler)].filter((p) => p && p !== '/').join('/');
      table[`${RequestMethod[method]} /api/${path}`] = describeRule(
        Reflect.getMetadata(ACCESS_RULE, handler) ?? Reflect.getMetadata(ACCESS_RULE, controller),
        Boolean(Reflect.getMetadata(PUBLIC_ROUTE, handler) ?? Reflect.getMetadata(PUBLIC_ROUTE, controller)),
      );
    }
  }
  return table;
}

describe('route access table', () => {
  it('names who may call every route (api.md §5)', () => {
    expect(routeTable()).toEqual({
      'GET /api/health': 'public',
      'GET /api/health/live': 'public',
      'GET /api/health/ready': 'public',
      'GET /api/me': 'board:any + agent',
      'POST /api/users': 'board:instanceAdmin',
      'GET /api/users': 'board:instanceAdmin',
      'POST /api/users/:userId/keys': 'board:any',
      'DELETE /api/board-keys/:keyId': 'board:any',
      'POST /api/companies': 'board:instanceAdmin',
      'GET /api/companies': 'board:any',
      'GET /api/companies/:companyId': 'board:viewer + agent',
      'PUT /api/companies/:companyId/members/:userId': 'board:admin',
      'GET /api/companies/:companyId/members': 'board:viewer',
      'GET /api/agents/me': 'agent',
      'POST /api/companies/:companyId/agents': 'board:admin',
      'GET /api/companies/:companyId/agents': 'board:viewer + agent',
      'GET /api/agents/:agentId': 'board:viewer + agent',
      'PATCH /api/agents/:agentId': 'board:admin',
      'POST /api/agents/:agentId/keys': 'board:admin',
      'DELETE /api/agents/:agentId/keys/:keyId': 'board:admin',
      'GET /api/agents/me/inbox-lite': 'agent',
      'POST /api/companies/:companyId/issues': 'board:operator + agent',
      'GET /api/companies/:companyId/issues': 'board:viewer + agent',
      'GET /api/issues/:id': 'board:viewer + agent',
      'PATCH /api/issues/:id': 'board:operator + agent',
      'POST /api/issues/:id/checkout': 'board:operator + agent',
      'POST /api/issues/:id/release': 'board:operator + agent',
      'POST /api/issues/:id/admin/force-release': 'board:operator',
      'GET /api/issues/:id/comments': 'board:viewer + agent',
      'POST /api/issues/:id/comments': 'board:operator + agent',
      'GET /api/issues/:id/comments/:commentId': 'board:viewer + agent',
      'GET /api/issues/:id/activity': 'board:viewer + agent',
      'GET /api/companies/:companyId/activity': 'board:viewer',
      'POST /api/agents/:agentId/heartbeat/invoke': 'board:operator + agent',
      'POST /api/heartbeat-runs/:runId/start': 'board:operator + agent',
      'POST /api/heartbeat-runs/:runId/heartbeat': 'agent',
      'POST /api/heartbeat-runs/:runId/finish': 'board:operator + agent',
      'POST /api/heartbeat-runs/:runId/cancel': 'board:operator',
      'GET /api/heartbeat-runs/:runId': 'board:viewer + agent',
      'GET /api/companies/:companyId/heartbeat-runs': 'board:viewer + agent',
      'GET /api/issues/:id/runs': 'board:viewer + agent',
      'POST /api/agents/:agentId/wakeup': 'board:operator + agent',
      'GET /api/issues/:id/active-run': 'board:viewer + agent',
      'GET /api/issues/:id/live-runs': 'board:viewer + agent',
      'GET /api/companies/:companyId/live-runs': 'board:viewer + agent',
      'GET /api/issues/:id/heartbeat-context': 'board:viewer + agent',
    });
  });
});
