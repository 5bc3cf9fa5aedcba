import { ConsoleLogger, LogLevel as NestLogLevel } from '@nestjs/common';
import type { LogLevel } from '../config/app-config';

const NEST_LEVELS: Record<LogLevel, NestLogLevel[]> = {
  error: ['fatal', 'error'],
  warn: ['fatal', 'error', 'warn'],
  info: ['fatal', 'error', 'warn', 'log'],
  debug: ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'],
};

/** NestJS's own start-up chatter (one line per module and route); shown at LOG_LEVEL=debug only. */
const FRAMEWORK_CONTEXTS = new Set(['NestFactory', 'InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestApplication']);

/** The console logger at LOG_LEVEL, keeping the start-up output to what an operator needs. */
export class AppLogger extends ConsoleLogger {
  constructor(private readonly level: LogLevel) {
    super({ logLevels: NEST_LEVELS[level] });
  }

  override log(message: unknown, ...rest: unknown[]): void {
    const context = rest[rest.length - 1];
    if (this.level !== 'debug' && typeof context === 'string' && FRAMEWORK_CONTEXTS.has(context)) return;
    super.log(message, ...(rest as [string?]));
  }
}
