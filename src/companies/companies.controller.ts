import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Put } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Access, BoardRole } from '../auth/access.decorator';
import type { BoardActor } from '../auth/actor';
import { CurrentActor } from '../auth/current-actor.decorator';
import { ApiRoute } from '../docs/api-route.decorator';
import {
  CompanyResponse, CreateCompanyDto, MembershipResponse, PutMemberDto, toCompanyResponse, toMembershipResponse,
} from './companies.dto';
import { CompaniesService } from './companies.service';

@ApiTags('companies')
@Controller('companies')
export class CompaniesController {
  constructor(private readonly companies: CompaniesService) {}

  @Post()
  @BoardRole('instanceAdmin')
  @ApiRoute({
    summary: 'Create a company',
    description: 'Creates a company; `issuePrefix` (the `PAP` of `PAP-12`) defaults to the first letters of the name, made unique.',
    errors: ['duplicate'],
    example: { name: 'Paper Clips Inc', description: 'Makes paper clips' },
  })
  @ApiCreatedResponse({ type: CompanyResponse })
  async create(@CurrentActor() actor: BoardActor, @Body() dto: CreateCompanyDto): Promise<CompanyResponse> {
    return toCompanyResponse(await this.companies.create(actor, dto));
  }

  @Get()
  @BoardRole('any')
  @ApiRoute({ summary: 'List companies', description: 'The companies the caller is a member of (every company for an instance admin).' })
  @ApiOkResponse({ type: [CompanyResponse], description: 'The companies the caller can see' })
  async list(@CurrentActor() actor: BoardActor): Promise<CompanyResponse[]> {
    return (await this.companies.listVisible(actor)).map(toCompanyResponse);
  }

  @Get(':companyId')
  @Access({ board: 'viewer', agent: true })
  @ApiRoute({ summary: 'Get a company', description: 'One company.' })
  @ApiOkResponse({ type: CompanyResponse })
  async get(@Param('companyId', ParseUUIDPipe) companyId: string): Promise<CompanyResponse> {
    return toCompanyResponse(await this.companies.get(companyId));
  }

  @Put(':companyId/members/:userId')
  @BoardRole('admin')
  @ApiRoute({
    summary: 'Add or change a member',
    description: "Makes the board user a member of the company with `role` (or changes it); `status: suspended` takes the access away.",
    errors: ['invalid_reference'],
    example: { role: 'operator' },
  })
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
  @ApiRoute({ summary: "List a company's members", description: 'The board members of the company and their roles.' })
  @ApiOkResponse({ type: [MembershipResponse] })
  async members(@Param('companyId', ParseUUIDPipe) companyId: string): Promise<MembershipResponse[]> {
    return (await this.companies.listMembers(companyId)).map(toMembershipResponse);
  }
}
