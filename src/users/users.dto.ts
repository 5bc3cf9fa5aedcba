import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsEmail, IsOptional, IsString, Length, MaxLength } from 'class-validator';
import { iso } from '../common/timestamps';
import type { User } from './user.entity';

export class CreateUserDto {
  @ApiProperty({ example: 'ada@example.com' }) @IsEmail() @MaxLength(320) email: string;
  @ApiProperty({ example: 'Ada' }) @IsString() @Length(1, 200) name: string;
  @ApiPropertyOptional({ default: false }) @IsOptional() @IsBoolean() isInstanceAdmin?: boolean;
}

export class CreateKeyDto {
  @ApiProperty({ example: 'laptop' }) @IsString() @Length(1, 200) name: string;
}

export class UserResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() email: string;
  @ApiProperty() name: string;
  @ApiProperty() isInstanceAdmin: boolean;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}

export class CreatedKeyResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ description: 'The secret; shown only this once' }) token: string;
}

export class OkResponse {
  @ApiProperty({ example: true }) ok: boolean;
}

export function toUserResponse(user: User): UserResponse {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    isInstanceAdmin: user.isInstanceAdmin,
    createdAt: iso(user.createdAt) as string,
    updatedAt: iso(user.updatedAt) as string,
  };
}
