import { Global, Module } from '@nestjs/common';
import { ActivityController } from './activity.controller';
import { ActivityService } from './activity.service';
import { AuditService } from './audit.service';

@Global()
@Module({ controllers: [ActivityController], providers: [AuditService, ActivityService], exports: [AuditService] })
export class AuditModule {}
