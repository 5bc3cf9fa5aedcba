import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Put } from '@nestjs/common';
import { ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Access, BoardRole } from '../auth/access.decorator';
import type { BoardActor } from '../auth/actor';
import { CurrentActor } from '../auth/current-actor.decorator';
import { ErrorBody } from '../common/error-body';
import {
  CompanyResponse, CreateCompanyDto, MembershipResponse, PutMemberDto, toCompanyResponse, toMembershipResponse,
} from './companies.dto';
import { CompaniesService } from './companies.service';

@ApiTags('companies')
@ApiNotFoundResponse({ type: ErrorBody })
@Controller('companies')
export class CompaniesController {
  constructor(private readonly companies: CompaniesService) {}

  @Post()
  @BoardRole('instanceAdmin')
  @ApiCreatedResponse({ type: CompanyResponse })
  async create(@CurrentActor() actor: BoardActor, @Body() dto: CreateCompanyDto): Promise<CompanyResponse> {
    return toCompanyResponse(await this.companies.create(actor, dto));
  }

  @Get()
  @BoardRole('any')
  @ApiOkResponse({ type: [CompanyResponse], description: 'The companies the caller can see' })
  async list(@CurrentActor() actor: BoardActor): Promise<CompanyResponse[]> {
    return (await this.companies.listVisible(actor)).map(toCompanyResponse);
  }

  @Get(':companyId')
  @Access({ board: 'viewer', agent: true })
  @ApiOkResponse({ type: CompanyResponse })
  async get(@Param('companyId', ParseUUIDPipe) companyId: string): Promise<CompanyResponse> {
    return toCompanyResponse(await this.companies.get(companyId));
  }

  @Put(':companyId/members/:userId')
  @BoardRole('admin')
  @ApiOkResponse({ type: MembershipResponse })
  async putMember(
    @CurrentActor() actor: BoardActor,
    @Param('companyId', ParseUUIDPipe) companyId: string,
    @Param('userId', ParseUUIDPipe) userId: string,
    @Body() dto: PutMemberDto,
  ): Promise<MembershipResponse> {
    return toMembershipResponse(await this.companies.putMember(actor, companyId, userId, dto));
  }

  @Get(':companyId/members')
  @BoardRole('viewer')
  @ApiOkResponse({ type: [MembershipResponse] })
  async members(@Param('companyId', ParseUUIDPipe) companyId: string): Promise<MembershipResponse[]> {
    return (await this.companies.listMembers(companyId)).map(toMembershipResponse);
  }
}
