import pino, { DestinationStream, Logger, LoggerOptions } from 'pino';
import PinoPretty from 'pino-pretty';
import type { LogFormat, LogLevel } from '../config/app-config';
import { currentRequestId } from '../common/request-id';
import { REDACTED_PATHS, redactSecrets } from './redact';

export interface LogSettings {
  level: LogLevel | 'silent';
  format: LogFormat;
  /** Where the lines go instead of stdout (the tests read them). */
  stream?: DestinationStream;
}

/** The pino options of the one logger: the access log and every line logged through Nest's Logger. */
function pinoOptions(level: LogSettings['level']): LoggerOptions {
  return {
    level,
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    // Read when a line is written, not bound per request: most requests write no line at all.
    mixin: () => {
      const requestId = currentRequestId();
      return requestId ? { requestId } : {};
    },
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

/** The process's one pino logger (LOG_LEVEL, LOG_FORMAT, redaction, the request id of each line). */
export function createRootLogger(settings: LogSettings): Logger {
  return pino(pinoOptions(settings.level), destination(settings));
}
