import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Params } from 'nestjs-pino';
import pino, { DestinationStream, LoggerOptions } from 'pino';
import PinoPretty from 'pino-pretty';
import type { LogFormat, LogLevel } from '../config/app-config';
import { assignRequestId } from '../common/request-id';
import { accessLevel, accessLine } from './access-log';
import { REDACTED_PATHS, redactSecrets } from './redact';

export interface LogSettings {
  level: LogLevel | 'silent';
  format: LogFormat;
  /** Where the lines go instead of stdout (the tests read them). */
  stream?: DestinationStream;
}

/** The pino options shared by the access log and every line logged through Nest's Logger. */
export function pinoOptions(level: LogSettings['level']): LoggerOptions {
  return {
    level,
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    hooks: {
      logMethod(args, method) {
        for (let i = 0; i < args.length; i++) if (typeof args[i] === 'string') args[i] = redactSecrets(args[i] as string);
        method.apply(this, args);
      },
    },
  };
}

function destination(settings: LogSettings): DestinationStream {
  if (settings.stream) return settings.stream;
  if (settings.format === 'pretty') {
    return PinoPretty({ colorize: process.stdout.isTTY === true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', singleLine: true });
  }
  return pino.destination({ fd: 1, sync: true });
}

/** nestjs-pino's parameters: one line per finished request, the request id bound to every line logged while serving it. */
export function loggerParams(settings: LogSettings): Params {
  return {
    pinoHttp: [
      {
        ...pinoOptions(settings.level),
        autoLogging: settings.level !== 'silent',
        // The request id middleware (configureApp) runs first; this only reads what it chose.
        genReqId: (req: IncomingMessage, res: ServerResponse) => assignRequestId(req, res),
        customAttributeKeys: { reqId: 'requestId', responseTime: 'durationMs' },
        quietReqLogger: true,
        quietResLogger: true,
        customLogLevel: accessLevel,
        customSuccessObject: (req: IncomingMessage, res: ServerResponse, val: { durationMs: number }) => accessLine(req, res, val.durationMs),
        customErrorObject: (req: IncomingMessage, res: ServerResponse, _error: Error, val: { durationMs: number }) => accessLine(req, res, val.durationMs),
        customSuccessMessage: () => 'request',
        customErrorMessage: () => 'request',
      },
      destination(settings),
    ],
  };
}
