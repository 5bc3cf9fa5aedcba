import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { AppLogger } from '../common/app-logger';
import { loggerParams, LogSettings } from './log-options';

/** nestjs-pino (pino-http) wired to LOG_LEVEL / LOG_FORMAT; exports AppLogger for app.useLogger(). */
@Module({})
export class LoggingModule {
  static forRoot(settings: LogSettings): DynamicModule {
    return {
      module: LoggingModule,
      imports: [LoggerModule.forRoot(loggerParams(settings))],
      providers: [AppLogger],
      exports: [AppLogger],
    };
  }
}
