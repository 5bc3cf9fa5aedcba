import { Inject, Injectable, LoggerService } from '@nestjs/common';
import type { Level, Logger } from 'pino';

export const ROOT_LOGGER = Symbol('ROOT_LOGGER');

/** NestJS's own start-up chatter (one line per module and route); shown at LOG_LEVEL=debug only. */
const FRAMEWORK_CONTEXTS = new Set(['NestFactory', 'InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestApplication']);

/**
 * The application's logger: Nest's Logger calls become pino lines (JSON, or pretty on a TTY) that
 * carry the request id of the request being served and the caller's `context`; an object message
 * becomes the line's fields, an Error its `err`. Framework start-up chatter stays out below debug.
 */
@Injectable()
export class AppLogger implements LoggerService {
  constructor(@Inject(ROOT_LOGGER) private readonly logger: Logger) {}

  log(message: unknown, ...params: unknown[]): void {
    const context = params[params.length - 1];
    this.write(typeof context === 'string' && FRAMEWORK_CONTEXTS.has(context) ? 'debug' : 'info', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  /** Nest passes the context last: `logger.warn(message, ...args, context)`. */
  private write(level: Level, message: unknown, params: unknown[]): void {
    if (!this.logger.isLevelEnabled(level)) return;
    const rest = params.slice(0, -1);
    const fields: Record<string, unknown> = params.length ? { context: params[params.length - 1] } : {};
    if (message instanceof Error) return this.logger[level]({ ...fields, err: message }, ...(rest as []));
    if (typeof message === 'object' && message !== null) return this.logger[level]({ ...fields, ...message }, ...(rest as []));
    // Nest's own exception handlers call error(message, stack, context).
    if (level === 'error' && rest.length === 1 && typeof rest[0] === 'string' && /\n\s*at /.test(rest[0])) {
      return this.logger.error({ ...fields, err: Object.assign(new Error(String(message)), { stack: rest[0] }) });
    }
    this.logger[level](fields, String(message), ...(rest as []));
  }
}
