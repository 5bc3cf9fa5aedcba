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

/**
 * class-transformer and class-validator recurse once per level: a body of a few thousand nested
 * arrays overflows the stack (a 500). No Clasp or Paperclip body comes near this depth.
 */
export const MAX_NESTING = 32;

function deeperThan(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (node === null || typeof node !== 'object') continue;
    if (depth >= limit) return true;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return false;
}

class ClaspValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' || metadata.type === 'query') {
      if (deeperThan(value, MAX_NESTING)) {
        const problem = `must not be nested deeper than ${MAX_NESTING} levels`;
        throw new DomainError('validation_failed', `The ${metadata.type} ${problem}`, { problems: [{ field: metadata.type, problems: [problem] }] });
      }
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
