import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';
import { BootstrapAdminService } from './bootstrap-admin.service';
import { UsersRepository } from './users.repository';

@Module({ imports: [AuditModule], controllers: [UsersController], providers: [UsersService, UsersRepository, BootstrapAdminService], exports: [UsersService, BootstrapAdminService] })
export class UsersModule {}
