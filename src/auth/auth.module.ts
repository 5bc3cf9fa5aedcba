import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuthGuard } from './auth.guard';
import { BoardAccessRepository } from './board-access.repository';
import { CompanyAccessService } from './company-access.service';
import { CredentialsRepository } from './credentials.repository';
import { CredentialsService } from './credentials.service';
import { MeController } from './me.controller';
import { MeService } from './me.service';
import { RunJwtService } from './run-jwt.service';
import { ScopeResolverService } from './scope-resolver.service';
import { ScopesRepository } from './scopes.repository';

@Module({
  controllers: [MeController],
  providers: [
    CredentialsRepository,
    CredentialsService,
    RunJwtService,
    ScopesRepository,
    ScopeResolverService,
    BoardAccessRepository,
    CompanyAccessService,
    MeService,
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [RunJwtService, CompanyAccessService, ScopeResolverService],
})
export class AuthModule {}
