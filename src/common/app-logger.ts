import { Injectable } from '@nestjs/common';
import { Logger } from 'nestjs-pino';

/** NestJS's own start-up chatter (one line per module and route); shown at LOG_LEVEL=debug only. */
const FRAMEWORK_CONTEXTS = new Set(['NestFactory', 'InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestApplication']);

/**
 * The application's logger: Nest's Logger calls become pino lines (JSON, or pretty on a TTY) that
 * carry the request id of the request being served; framework start-up chatter stays out below debug.
 */
@Injectable()
export class AppLogger extends Logger {
  override log(message: unknown, ...rest: unknown[]): void {
    const context = rest[rest.length - 1];
    if (typeof context === 'string' && FRAMEWORK_CONTEXTS.has(context)) return super.debug(message, ...rest);
    super.log(message, ...rest);
  }
}
