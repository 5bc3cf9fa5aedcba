/**
 * Credentials never reach a log line: board and agent keys, run JWTs and bearer tokens are cut out
 * of every message and every logged URL, whatever wrote them (our lines, Nest's, an error's stack).
 */
const SECRETS: Array<[RegExp, string]> = [
  [/\b(clasp_(?:board|agent)_)[0-9a-fA-F]{8,}/g, '$1[redacted]'],
  // A JWT: three base64url segments, the first two starting with `{"` encoded.
  [/\beyJ[\w-]*\.eyJ[\w-]*\.[\w-]*/g, '[redacted-jwt]'],
  [/\b(Bearer\s+)[^\s"',;]+/gi, '$1[redacted]'],
];

export function redactSecrets(text: string): string {
  // Most lines hold none of the markers: skip the replacements then.
  if (!/clasp_|eyJ|bearer/i.test(text)) return text;
  let out = text;
  for (const [pattern, replacement] of SECRETS) out = out.replace(pattern, replacement);
  return out;
}

/** Object paths pino blanks whatever they hold (headers, tokens) when some line logs them. */
export const REDACTED_PATHS = [
  'authorization',
  'headers.authorization',
  'req.headers.authorization',
  '*.authorization',
  'token',
  '*.token',
  'key',
  '*.key',
  'agentJwtSecret',
  '*.agentJwtSecret',
  'bootstrapBoardKey',
  '*.bootstrapBoardKey',
  'metricsToken',
  '*.metricsToken',
];
