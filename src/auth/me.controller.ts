import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { Access } from './access.decorator';
import type { Actor } from './actor';
import { CurrentActor } from './current-actor.decorator';
import { query } from '../database/sql';

@ApiTags('auth')
@Controller('me')
export class MeController {
  constructor(private readonly dataSource: DataSource) {}

  @Get()
  @Access({ board: 'any', agent: true })
  @ApiOkResponse({
    description: 'The caller: `{type:"board", userId, email, name, isInstanceAdmin, memberships}` or `{type:"agent", agentId, companyId, runId}`',
  })
  async me(@CurrentActor() actor: Actor): Promise<Record<string, unknown>> {
    if (actor.type === 'agent') {
      return { type: 'agent', agentId: actor.agentId, companyId: actor.companyId, runId: actor.runId, name: actor.agentName, role: actor.role };
    }
    const [user] = await query<{ email: string; name: string }>(this.dataSource.manager, 'SELECT email, name FROM users WHERE id = $1', [actor.userId]);
    const memberships: { company_id: string; membership_role: string; status: string }[] = await query(
      this.dataSource.manager,
      `SELECT company_id, membership_role, status FROM company_memberships WHERE principal_type = 'user' AND principal_id = $1`,
      [actor.userId],
    );
    return {
      type: 'board',
      userId: actor.userId,
      email: user?.email,
      name: user?.name,
      isInstanceAdmin: actor.isInstanceAdmin,
      memberships: memberships.map((m) => ({ companyId: m.company_id, role: m.membership_role, status: m.status })),
    };
  }
}
