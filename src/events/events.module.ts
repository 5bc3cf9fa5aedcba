import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { EventHubService } from './event-hub.service';
import { EventsController } from './events.controller';

/** GET /api/companies/:companyId/events: the activity log as a live, replayable SSE stream. */
@Module({ imports: [AuditModule], controllers: [EventsController], providers: [EventHubService] })
export class EventsModule {}
