import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuthGuard } from './auth.guard';
import { CompanyAccessService } from './company-access.service';
import { CredentialsService } from './credentials.service';
import { MeController } from './me.controller';
import { RunJwtService } from './run-jwt.service';
import { ScopeResolverService } from './scope-resolver.service';

@Global()
@Module({
  controllers: [MeController],
  providers: [
    CredentialsService,
    RunJwtService,
    ScopeResolverService,
    CompanyAccessService,
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [RunJwtService, CompanyAccessService, ScopeResolverService],
})
export class AuthModule {}
