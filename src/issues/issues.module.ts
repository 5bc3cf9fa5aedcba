import { Module } from '@nestjs/common';
import { RunsModule } from '../runs/runs.module';
import { CommentsController } from './comments.controller';
import { CommentsService } from './comments.service';
import { HeartbeatContextController } from './heartbeat-context.controller';
import { HeartbeatContextService } from './heartbeat-context.service';
import { InboxController } from './inbox.controller';
import { IssuesController } from './issues.controller';
import { IssuesService } from './issues.service';
import { CheckoutService } from './ownership/checkout.service';
import { OwnershipGateService } from './ownership/ownership-gate.service';
import { ReleaseService } from './ownership/release.service';
import { StaleLockInterceptor } from './ownership/stale-lock.interceptor';

@Module({
  imports: [RunsModule],
  controllers: [InboxController, IssuesController, CommentsController, HeartbeatContextController],
  providers: [IssuesService, CommentsService, HeartbeatContextService, OwnershipGateService, CheckoutService, ReleaseService, StaleLockInterceptor],
})
export class IssuesModule {}
