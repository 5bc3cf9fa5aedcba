import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { LocksModule } from '../locks/locks.module';
import { MetricsModule } from '../metrics/metrics.module';
import { RunsModule } from '../runs/runs.module';
import { CommentsController } from './comments.controller';
import { CommentsService } from './comments.service';
import { HeartbeatContextController } from './heartbeat-context.controller';
import { HeartbeatContextService } from './heartbeat-context.service';
import { InboxController } from './inbox.controller';
import { IssuesController } from './issues.controller';
import { OwnershipController } from './ownership/ownership.controller';
import { IssuesService } from './issues.service';
import { IssuesRepository } from './issues.repository';
import { IssueRelationsRepository } from './issue-relations.repository';
import { CommentsRepository } from './comments.repository';
import { AssigneesRepository } from './assignees.repository';
import { IssueUpdateService } from './issue-update.service';
import { IssueBlockersService } from './issue-blockers.service';
import { IssueReferencesService } from './issue-references.service';
import { CheckoutService } from './ownership/checkout.service';
import { OwnershipGateService } from './ownership/ownership-gate.service';
import { ReleaseService } from './ownership/release.service';
import { StaleLockInterceptor } from './ownership/stale-lock.interceptor';

@Module({
  imports: [RunsModule, LocksModule, AuditModule, MetricsModule],
  controllers: [InboxController, IssuesController, OwnershipController, CommentsController, HeartbeatContextController],
  providers: [
    IssuesRepository, IssueRelationsRepository, CommentsRepository, AssigneesRepository,
    IssuesService, IssueUpdateService, IssueBlockersService, IssueReferencesService, CommentsService, HeartbeatContextService,
    OwnershipGateService, CheckoutService, ReleaseService, StaleLockInterceptor,
  ],
})
export class IssuesModule {}
