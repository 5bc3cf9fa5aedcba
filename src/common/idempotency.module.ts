import { Module } from '@nestjs/common';
import { IdempotencyKeysRepository } from './idempotency-keys.repository';

/** Idempotency keys for any feature that creates with an Idempotency-Key (imported where used). */
@Module({ providers: [IdempotencyKeysRepository], exports: [IdempotencyKeysRepository] })
export class IdempotencyModule {}
