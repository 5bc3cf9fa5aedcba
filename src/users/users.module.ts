import { Module } from '@nestjs/common';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';
import { BootstrapAdminService } from './bootstrap-admin.service';

@Module({ controllers: [UsersController], providers: [UsersService, BootstrapAdminService], exports: [UsersService, BootstrapAdminService] })
export class UsersModule {}
