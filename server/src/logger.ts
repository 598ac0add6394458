import { pino, type Logger } from 'pino';

/** Structured JSON logs; credentials are redacted wherever they may appear. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'comms-center' },
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'res.headers["set-cookie"]',
        'password',
        'apiKey',
        'secret',
        '*.password',
        '*.apiKey',
        '*.secret',
      ],
      censor: '[redacted]',
    },
  });
}

export type { Logger };
