import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { CompaniesController } from './companies.controller';
import { CompaniesRepository } from './companies.repository';
import { CompaniesService } from './companies.service';

@Module({ imports: [AuditModule, AuthModule], controllers: [CompaniesController], providers: [CompaniesService, CompaniesRepository] })
export class CompaniesModule {}
