/**
 * The server's pino logger, with secrets redacted: authorization headers, webhook signatures, the
 * `?secret=` of a webhook URL, and any field named like a token or password.
 */
import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger };

const censor = '[redacted]';

/** Paths pino removes before writing a line (fast-redact syntax; `*` is one level of any key). */
export const redactedPaths = [
  'req.headers.authorization',
  'req.headers["x-hub-signature"]',
  'req.headers.cookie',
  'headers.authorization',
  'token',
  'password',
  'secret',
  '*.token',
  '*.password',
  '*.secret',
  '*.intakeToken',
  '*.operatorToken',
  '*.webhookSecret',
  '*.*.token',
  '*.*.password',
];

/** A URL with the value of any `secret`/`token` query parameter replaced, for logs. */
export function redactUrl(url: string): string {
  return url.replace(/([?&](?:secret|token|access_token)=)[^&#]*/gi, `$1${censor}`);
}

interface LoggedRequest {
  method?: string;
  url?: string;
  id?: string;
  ip?: string;
  headers?: Record<string, unknown>;
}

export function createLogger(options: { level: string; destination?: DestinationStream }): Logger {
  return pino(
    {
      level: options.level,
      redact: { paths: redactedPaths, censor },
      serializers: {
        // Fastify logs `req` with its default fields; this keeps them but strips query secrets.
        req: (req: LoggedRequest) => ({
          method: req.method,
          url: redactUrl(req.url ?? ''),
          reqId: req.id,
          ip: req.ip,
        }),
        res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
        err: pino.stdSerializers.err,
      },
    },
    options.destination,
  );
}
