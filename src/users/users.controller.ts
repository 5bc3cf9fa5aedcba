import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { BoardRole } from '../auth/access.decorator';
import { ApiRoute } from '../docs/api-route.decorator';
import type { BoardActor } from '../auth/actor';
import { CurrentActor } from '../auth/current-actor.decorator';
import { CreatedKeyResponse, CreateKeyDto, CreateUserDto, OkResponse, toUserResponse, UserResponse } from './users.dto';
import { UsersService } from './users.service';

@ApiTags('users')
@Controller()
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Post('users')
  @BoardRole('instanceAdmin')
  @ApiRoute({
    summary: 'Create a board user',
    description: 'Adds a board user (without access to any company until made a member). Give them a key with `POST /api/users/{userId}/keys`.',
    errors: ['duplicate'],
    example: { email: 'ada@example.com', name: 'Ada' },
  })
  @ApiCreatedResponse({ type: UserResponse })
  async create(@Body() dto: CreateUserDto): Promise<UserResponse> {
    return toUserResponse(await this.users.create(dto));
  }

  @Get('users')
  @BoardRole('instanceAdmin')
  @ApiRoute({ summary: 'List board users', description: 'Every board user of the instance.' })
  @ApiOkResponse({ type: [UserResponse] })
  async list(): Promise<UserResponse[]> {
    return (await this.users.list()).map(toUserResponse);
  }

  @Post('users/:userId/keys')
  @BoardRole('any')
  @ApiRoute({
    summary: 'Create a board key',
    description: 'Issues a board key for the user; `token` is shown only in this answer. Only an instance admin, or the user themself.',
    errors: ['role_required', 'not_found'],
    example: { name: 'laptop' },
  })
  @ApiCreatedResponse({ type: CreatedKeyResponse })
  createKey(
    @CurrentActor() actor: BoardActor,
    @Param('userId', ParseUUIDPipe) userId: string,
    @Body() dto: CreateKeyDto,
  ): Promise<CreatedKeyResponse> {
    return this.users.createKey(actor, userId, dto.name.trim());
  }

  @Delete('board-keys/:keyId')
  @HttpCode(200)
  @BoardRole('any')
  @ApiRoute({ summary: 'Revoke a board key', description: 'The key stops working at once. Only an instance admin, or the key owner.', errors: ['role_required', 'not_found'] })
  @ApiOkResponse({ type: OkResponse })
  async revokeKey(@CurrentActor() actor: BoardActor, @Param('keyId', ParseUUIDPipe) keyId: string): Promise<OkResponse> {
    await this.users.revokeKey(actor, keyId);
    return { ok: true };
  }
}
