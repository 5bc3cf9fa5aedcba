import { DynamicModule, Global, Module } from '@nestjs/common';
import { AppLogger, ROOT_LOGGER } from '../common/app-logger';
import { createRootLogger, LogSettings } from './log-options';

/** The process's pino logger (ROOT_LOGGER, for the access log) and AppLogger (Nest's Logger calls) on it. */
@Global()
@Module({})
export class LoggingModule {
  static forRoot(settings: LogSettings): DynamicModule {
    return {
      module: LoggingModule,
      providers: [{ provide: ROOT_LOGGER, useFactory: () => createRootLogger(settings) }, AppLogger],
      exports: [ROOT_LOGGER, AppLogger],
    };
  }
}
