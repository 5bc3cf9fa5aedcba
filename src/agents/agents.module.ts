import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { AgentsController } from './agents.controller';
import { AgentsRepository } from './agents.repository';
import { AgentsService } from './agents.service';

/** Exports AgentsRepository for RunsModule (the wake-up's FOR SHARE lock, heartbeats). */
@Module({ imports: [AuditModule], controllers: [AgentsController], providers: [AgentsService, AgentsRepository], exports: [AgentsService, AgentsRepository] })
export class AgentsModule {}
