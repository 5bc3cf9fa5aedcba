const ERROR_CODE = Symbol('errorCode');

type Tagged = Record<symbol, string | undefined>;

/** The exception filter notes the `code` it answered with, for the access log line and the metrics. */
export function noteErrorCode(res: object, code: string): void {
  (res as Tagged)[ERROR_CODE] = code;
}

export function errorCodeOf(res: object): string | undefined {
  return (res as Tagged)[ERROR_CODE];
}
