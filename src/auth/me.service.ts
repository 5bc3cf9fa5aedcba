import { Injectable } from '@nestjs/common';
import type { Actor } from './actor';
import { BoardAccessRepository } from './board-access.repository';

/** GET /api/me: who the caller is, as Paperclip's clients read it. */
@Injectable()
export class MeService {
  constructor(private readonly boardAccess: BoardAccessRepository) {}

  async describe(actor: Actor): Promise<Record<string, unknown>> {
    if (actor.type === 'agent') {
      return { type: 'agent', agentId: actor.agentId, companyId: actor.companyId, runId: actor.runId, name: actor.agentName, role: actor.role };
    }
    const [profile, memberships] = await Promise.all([this.boardAccess.profile(actor.userId), this.boardAccess.memberships(actor.userId)]);
    return {
      type: 'board',
      userId: actor.userId,
      email: profile?.email,
      name: profile?.name,
      isInstanceAdmin: actor.isInstanceAdmin,
      memberships: memberships.map((m) => ({ companyId: m.company_id, role: m.membership_role, status: m.status })),
    };
  }
}
