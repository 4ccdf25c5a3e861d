import pino from 'pino';

/**
 * Structured JSON logs on stderr (stdout belongs to command output). `LOOM_LOG_LEVEL`
 * sets the level; tests default to `warn` so their output stays readable.
 */
export type Logger = pino.Logger;

export function createLogger(name = 'loom', level = process.env.LOOM_LOG_LEVEL ?? (process.env.JEST_WORKER_ID ? 'warn' : 'info')): Logger {
  return pino({ name, level, base: { pid: process.pid } }, pino.destination(2));
}

export const rootLogger = createLogger();
