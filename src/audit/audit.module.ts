import { Module } from '@nestjs/common';
import { ActivityController } from './activity.controller';
import { ActivityService } from './activity.service';
import { AuditRepository } from './audit.repository';
import { AuditService } from './audit.service';

@Module({ controllers: [ActivityController], providers: [AuditRepository, AuditService, ActivityService], exports: [AuditService] })
export class AuditModule {}
