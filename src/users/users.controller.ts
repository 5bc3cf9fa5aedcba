import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { BoardRole } from '../auth/access.decorator';
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
  @ApiCreatedResponse({ type: UserResponse })
  async create(@Body() dto: CreateUserDto): Promise<UserResponse> {
    return toUserResponse(await this.users.create(dto));
  }

  @Get('users')
  @BoardRole('instanceAdmin')
  @ApiOkResponse({ type: [UserResponse] })
  async list(): Promise<UserResponse[]> {
    return (await this.users.list()).map(toUserResponse);
  }

  @Post('users/:userId/keys')
  @BoardRole('any')
  @ApiCreatedResponse({ type: CreatedKeyResponse, description: 'Instance admin, or the user themself' })
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
  @ApiOkResponse({ type: OkResponse, description: 'Instance admin, or the key owner' })
  async revokeKey(@CurrentActor() actor: BoardActor, @Param('keyId', ParseUUIDPipe) keyId: string): Promise<OkResponse> {
    await this.users.revokeKey(actor, keyId);
    return { ok: true };
  }
}
