import pino, { type Logger } from 'pino';

/**
 * Paths never written to logs. pino replaces them with "[redacted]"; request logging also omits
 * bodies entirely, so passwords and tokens in bodies never reach a log line.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-worker-token"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.refreshToken',
  '*.accessToken',
  '*.token',
  '*.secret',
  '*.clientSecret',
];

type SerializedError = ReturnType<typeof pino.stdSerializers.err> & Record<string, unknown>;

/**
 * pino's error serializer without what database errors carry about the row: the statement and its
 * bound values (`sql`, `parameters`), the key and values of a violated constraint (`fields`, the
 * driver error's `detail`), which hold caller numbers and names. The driver's message and code stay.
 */
export function logSafeError(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  const out = pino.stdSerializers.err(err) as SerializedError;
  delete out.sql;
  delete out.parameters;
  delete out.fields;
  for (const key of ['parent', 'original'] as const) {
    const inner = out[key] as { message?: unknown; code?: unknown } | undefined;
    if (inner && typeof inner === 'object') out[key] = { message: inner.message, code: inner.code };
  }
  if (Array.isArray(out.errors))
    out.errors = out.errors.map((e: { message?: unknown }) => ({ message: e?.message }));
  return out;
}

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      serializers: { err: logSafeError },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: { service: 'server' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

export type { Logger };
