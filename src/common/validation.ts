import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { ValidateIf } from 'class-validator';
import { DomainError } from './domain-error';

function flatten(errors: ValidationError[], prefix = ''): { field: string; problems: string[] }[] {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const own = e.constraints ? [{ field, problems: Object.values(e.constraints) }] : [];
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

/**
 * Keys class-transformer silently drops (prototype-pollution guard) before the whitelist ever
 * sees them, so `{"constructor": …}` or `{"__proto__": …}` would pass as an empty body.
 */
const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype'];

function prototypeKeys(value: unknown, prefix = '', depth = 0): string[] {
  if (value === null || typeof value !== 'object' || depth > 20) return [];
  return Object.keys(value).flatMap((key) => {
    const field = Array.isArray(value) ? `${prefix}[${key}]` : prefix ? `${prefix}.${key}` : key;
    const own = PROTOTYPE_KEYS.includes(key) ? [field] : [];
    return [...own, ...prototypeKeys((value as Record<string, unknown>)[key], field, depth + 1)];
  });
}

class ClaspValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' || metadata.type === 'query') {
      const forbidden = prototypeKeys(value);
      if (forbidden.length > 0) {
        throw new DomainError('validation_failed', forbidden.map((f) => `property ${f} should not exist`).join('; '), {
          problems: forbidden.map((field) => ({ field, problems: [`property ${field} should not exist`] })),
        });
      }
    }
    return super.transform(value, metadata);
  }
}

export function createValidationPipe(): ValidationPipe {
  return new ClaspValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) => {
      const problems = flatten(errors);
      const summary = problems.map((p) => p.problems.join(', ')).join('; ');
      return new DomainError('validation_failed', summary || 'Request is invalid', { problems });
    },
  });
}

/**
 * A field that may be left out but, when sent, must pass its validators: `null` is refused
 * (class-validator's @IsOptional() would let `null` through to the service).
 */
export const OptionalNotNull = () => ValidateIf((_object, value) => value !== undefined);
